package io.flinkrnn.model.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Renders {@link ModelSpec#summary()} in the shape of Keras's {@code model.summary()}: a chain as
 * Keras prints a Sequential model, any other graph with Keras's functional {@code Connected to}
 * column ({@code layer[0][tensor]}, the inputs named {@code input}, {@code input_1}, ...).
 */
final class ModelSummary {

    private ModelSummary() {}

    static String render(ModelSpec model) {
        List<Shape> shapes = model.outputShapes();
        boolean graph = !model.isChain();
        int width = graph ? 110 : 78;
        StringBuilder s = new StringBuilder();
        s.append("Model: \"")
                .append(model.name())
                .append("\"  (Keras ")
                .append(model.kerasVersion())
                .append(", ")
                .append(model.source())
                .append(")\n");
        s.append("-".repeat(width)).append('\n');
        s.append(row(graph, "Layer (type)", "Output Shape", "Param #", "Connected to"));
        s.append("=".repeat(width)).append('\n');
        for (int k = 0; k < model.inputs().size(); k++) {
            s.append(row(
                    graph,
                    inputName(k) + " (InputLayer)",
                    withBatch(model, model.inputs().get(k)),
                    "0",
                    "-"));
        }
        for (int i = 0; i < model.layers().size(); i++) {
            LayerSpec layer = model.layers().get(i);
            s.append(row(
                    graph,
                    layer.name() + " (" + layer.className() + ")",
                    shapes(model, layer, shapes.get(i)),
                    String.format("%,d", layer.paramCount()),
                    connections(model, model.inbound().get(i))));
        }
        s.append("=".repeat(width)).append('\n');
        s.append(String.format("Total params: %,d%n", model.paramCount()));
        if (graph) {
            s.append(model.outputs().size() == 1 ? "Output: " : "Outputs: ")
                    .append(model.outputs().stream()
                            .map(o -> tensorName(model, o))
                            .collect(Collectors.joining(", ")))
                    .append('\n');
        }
        return s.toString();
    }

    private static String row(boolean graph, String title, String shape, String params, String connected) {
        String line = String.format("%-40s %-24s %12s", title, shape, params);
        return (graph ? line + "  " + connected : line).stripTrailing() + System.lineSeparator();
    }

    private static String connections(ModelSpec model, Inbound inbound) {
        List<String> names = new ArrayList<>();
        inbound.inputs().forEach(r -> names.add(tensorName(model, r)));
        inbound.initialState().forEach(r -> names.add(tensorName(model, r) + " (initial_state)"));
        return names.stream().collect(Collectors.joining(", "));
    }

    static String tensorName(ModelSpec model, TensorRef ref) {
        return (ref.isInput()
                        ? inputName(ref.inputIndex())
                        : model.layers().get(ref.node()).name()) + "[0][" + ref.tensor() + "]";
    }

    private static String inputName(int index) {
        return index == 0 ? "input" : "input_" + index;
    }

    /** A layer returning its states has several outputs, which Keras prints as a list. */
    private static String shapes(ModelSpec model, LayerSpec layer, Shape output) {
        if (!(layer instanceof RecurrentSpec r && r.returnState())) {
            return withBatch(model, output);
        }
        List<String> all = new ArrayList<>(List.of(withBatch(model, output)));
        for (int s = 0; s < r.cell().stateSizes().size(); s++) {
            all.add(withBatch(model, r.stateShape(s)));
        }
        return all.stream().collect(Collectors.joining(", ", "[", "]"));
    }

    /** Keras prints a batch size fixed by {@code batch_input_shape} (stateful models) instead of None. */
    private static String withBatch(ModelSpec model, Shape shape) {
        String printed = shape.toString();
        return model.batchSize()
                .map(b -> "(" + b + printed.substring("(None".length()))
                .orElse(printed);
    }
}
