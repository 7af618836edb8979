package io.flinkrnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.model.spec.Inbound;
import io.flinkrnn.model.spec.LayerSpec;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.model.spec.RecurrentSpec;
import io.flinkrnn.model.spec.Shape;
import io.flinkrnn.model.spec.TensorRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Config plus weights to a {@link ModelSpec}, the same for every file format: find the graph, refuse
 * unsupported layers all at once, then read layer by layer in topological order (older weight
 * layouts first brought into Keras 2/3's by {@link WeightLayouts}), each layer's input
 * sizes coming from the output shapes of the layers it takes, so that every kernel is checked against
 * the shape it must have.
 */
final class ModelBuilder {

    private ModelBuilder() {}

    static ModelSpec build(LoadContext ctx, JsonNode model, Function<ModelGraph, WeightStore> weights) {
        ModelGraph graph = ModelGraph.of(model, ctx);
        LayerSupport.check(graph.layers(), ctx);
        WeightStore store = weights.apply(graph);
        boolean several = graph.batchShapes().size() > 1;
        boolean tokens = !several && graph.layers().get(0).className().equals("Embedding");
        List<Shape> input = new ArrayList<>();
        for (JsonNode batchShape : graph.batchShapes()) {
            Shape shape = several && batchShape.size() == 2
                    ? staticFeatures(batchShape, ctx)
                    : inputShape(batchShape, tokens, ctx);
            oversized(shape, ctx.limits()).ifPresent(p -> {
                throw ctx.fail("the model's input " + p);
            });
            input.add(shape);
        }
        List<LayerSpec> specs = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>();
        for (int i = 0; i < graph.layers().size(); i++) {
            LayerConfig layer = graph.layers().get(i);
            Inbound inbound = graph.inbound().get(i);
            List<Shape> inputs = new ArrayList<>();
            for (TensorRef ref : inbound.inputs()) {
                inputs.add(tensorShape(layer, ref, input, specs, shapes));
            }
            Optional<List<Weight>> stored = store.of(layer);
            WeightCursor cursor = new WeightCursor(
                    layer,
                    stored.map(raw -> WeightLayouts.normalize(layer, raw, inputs))
                            .orElse(List.of()),
                    stored.isPresent() ? null : store.contents());
            LayerSpec spec =
                    LayerReader.read(layer, inputs, cursor, inbound.inputs().equals(List.of(TensorRef.INPUT)));
            cursor.finish();
            checkInitialState(layer, spec, inbound, input, specs, shapes);
            Shape shape;
            try {
                shape = spec.outputShape(inputs);
            } catch (IllegalArgumentException e) {
                throw layer.fail(e.getMessage());
            }
            oversized(shape, ctx.limits()).ifPresent(p -> {
                throw layer.fail("its output " + p);
            });
            specs.add(spec);
            shapes.add(shape);
        }
        for (TensorRef output : graph.outputs()) {
            if (!output.isInput()) {
                tensorShape(graph.layers().get(output.node()), output, input, specs, shapes);
            }
        }
        JsonNode batch = graph.batchShapes().get(0).get(0);
        try {
            return new ModelSpec(
                    graph.name(),
                    ctx.file(),
                    ctx.version(),
                    input,
                    tokens,
                    batch == null || batch.isNull() ? Optional.empty() : Optional.of(batch.asInt()),
                    specs,
                    graph.inbound(),
                    graph.outputs());
        } catch (IllegalArgumentException e) {
            throw ctx.fail(e.getMessage());
        }
    }

    /**
     * A second input without a time axis, {@code Input(shape=(F,))}: per-key static features that
     * each event carries after (or before) its step (docs/SEMANTICS.md section 11).
     */
    private static Shape staticFeatures(JsonNode batchShape, LoadContext ctx) {
        JsonNode f = batchShape.get(1);
        if (!f.isInt() || f.asInt() <= 0) {
            throw ctx.fail("the model's input shape " + batchShape + " has an invalid size " + f);
        }
        return Shape.single(f.asInt());
    }

    /** The shape of a tensor that {@code reader} reads; only a recurrent layer returning states has more than one. */
    private static Shape tensorShape(
            LayerConfig reader, TensorRef ref, List<Shape> input, List<LayerSpec> specs, List<Shape> shapes) {
        if (ref.isInput()) {
            return input.get(ref.inputIndex());
        }
        if (ref.tensor() == 0) {
            return shapes.get(ref.node());
        }
        LayerSpec from = specs.get(ref.node());
        if (!(from instanceof RecurrentSpec r
                && r.returnState()
                && ref.tensor() <= r.cell().stateSizes().size())) {
            throw reader.fail("reads output " + ref.tensor() + " of layer '" + from.name() + "' (" + from.className()
                    + "), which has no such output");
        }
        return r.stateShape(ref.tensor() - 1);
    }

    /** Keras's {@code initial_state}: one tensor per state of the cell, each of that state's shape. */
    private static void checkInitialState(
            LayerConfig layer,
            LayerSpec spec,
            Inbound inbound,
            List<Shape> input,
            List<LayerSpec> specs,
            List<Shape> shapes) {
        List<TensorRef> initial = inbound.initialState();
        if (initial.isEmpty()) {
            return;
        }
        if (!(spec instanceof RecurrentSpec r) || r.goBackwards()) {
            throw layer.fail("takes an initial_state; flink-rnn starts only forward recurrent layers from other"
                    + " layers' states");
        }
        if (initial.size() != r.cell().stateSizes().size()) {
            throw layer.fail("takes " + initial.size() + " initial_state tensors, its cell has "
                    + r.cell().stateSizes().size() + " states");
        }
        for (int s = 0; s < initial.size(); s++) {
            Shape got = tensorShape(layer, initial.get(s), input, specs, shapes);
            if (!got.equals(r.stateShape(s))) {
                throw layer.fail("takes initial_state " + s + " of shape " + got + ", its state " + s + " is "
                        + r.stateShape(s));
            }
        }
    }

    /**
     * The engine reserves a layer's whole output per key, so sizes that come from the config alone
     * (a fixed input length, a RepeatVector's {@code n}, a Reshape's target) are bounded like weights.
     */
    private static Optional<String> oversized(Shape shape, LoadLimits limits) {
        long values = shape.timeSteps() == null ? 1 : shape.timeSteps();
        try {
            for (int d : shape.features()) {
                values = Math.multiplyExact(values, (long) d);
            }
        } catch (ArithmeticException e) {
            values = Long.MAX_VALUE;
        }
        if (values <= limits.maxTensorElements()) {
            return Optional.empty();
        }
        return Optional.of(shape + " holds " + (values == Long.MAX_VALUE ? "more than 2^63" : values)
                + " values, more than " + LoadLimits.limit("maxTensorElements", limits.maxTensorElements()));
    }

    /**
     * {@code batch_shape} without its batch axis: the time axis, then the features of one step. An
     * Embedding's input has no feature axis: one token id per step.
     */
    static Shape inputShape(JsonNode batchShape, boolean tokens, LoadContext ctx) {
        if (!batchShape.isArray() || batchShape.size() < 2) {
            throw ctx.fail("the model's input shape " + batchShape + " has no time axis; flink-rnn serves sequence"
                    + " models");
        }
        List<Integer> dims = new ArrayList<>();
        for (JsonNode d : batchShape) {
            if (!d.isNull() && !(d.isInt() && d.asInt() > 0)) {
                throw ctx.fail("the model's input shape " + batchShape + " has an invalid size " + d);
            }
            dims.add(d.isNull() ? null : d.asInt());
        }
        Integer timeSteps = dims.get(1);
        int[] features = new int[dims.size() - 2];
        for (int i = 2; i < dims.size(); i++) {
            if (dims.get(i) == null) {
                throw ctx.fail("the model's input shape " + batchShape + " leaves a feature axis free (None)");
            }
            features[i - 2] = dims.get(i);
        }
        if (features.length == 0 && !tokens) {
            throw ctx.fail("the model's input shape " + batchShape + " is not a sequence of feature vectors; a"
                    + " rank-2 input is supported for an Embedding model only");
        }
        if (tokens && features.length != 0) {
            throw ctx.fail("the model starts with an Embedding, which takes one token id per step, but its input"
                    + " shape is " + batchShape);
        }
        return Shape.sequence(timeSteps, features);
    }
}
