package io.flinkrnn.model.spec;

import java.util.List;

/** Renders {@link ModelSpec#summary()} in the shape of Keras's {@code model.summary()}. */
final class ModelSummary {

    private ModelSummary() {}

    static String render(ModelSpec model) {
        List<Shape> shapes = model.outputShapes();
        String rule = "-".repeat(78);
        StringBuilder s = new StringBuilder();
        s.append("Model: \"")
                .append(model.name())
                .append("\"  (Keras ")
                .append(model.kerasVersion())
                .append(", ")
                .append(model.source())
                .append(")\n");
        s.append(rule).append('\n');
        s.append(String.format("%-40s %-24s %12s%n", "Layer (type)", "Output Shape", "Param #"));
        s.append("=".repeat(78)).append('\n');
        s.append(String.format("%-40s %-24s %12d%n", "input (InputLayer)", withBatch(model, model.input()), 0));
        for (int i = 0; i < model.layers().size(); i++) {
            LayerSpec layer = model.layers().get(i);
            String title = layer.name() + " (" + layer.className() + ")";
            s.append(String.format("%-40s %-24s %,12d%n", title, withBatch(model, shapes.get(i)), layer.paramCount()));
        }
        s.append("=".repeat(78)).append('\n');
        s.append(String.format("Total params: %,d%n", model.paramCount()));
        return s.toString();
    }

    /** Keras prints a batch size fixed by {@code batch_input_shape} (stateful models) instead of None. */
    private static String withBatch(ModelSpec model, Shape shape) {
        String printed = shape.toString();
        return model.batchSize()
                .map(b -> "(" + b + printed.substring("(None".length()))
                .orElse(printed);
    }
}
