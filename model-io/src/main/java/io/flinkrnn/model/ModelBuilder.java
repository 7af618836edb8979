package io.flinkrnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.model.spec.LayerSpec;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.model.spec.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Config plus weights to a {@link ModelSpec}, the same for every file format: find the chain, refuse
 * unsupported layers all at once, then read layer by layer, each layer's input size coming from the
 * output shape of the one before, so that every kernel is checked against the shape it must have.
 */
final class ModelBuilder {

    private ModelBuilder() {}

    static ModelSpec build(LoadContext ctx, JsonNode model, Function<ModelChain, WeightStore> weights) {
        ModelChain chain = ModelChain.of(model, ctx);
        LayerSupport.check(chain.layers(), ctx);
        WeightStore store = weights.apply(chain);
        boolean tokens = chain.layers().get(0).className().equals("Embedding");
        Shape input = inputShape(chain.batchShape(), tokens, ctx);
        oversized(input, ctx.limits()).ifPresent(p -> {
            throw ctx.fail("the model's input " + p);
        });
        List<LayerSpec> specs = new ArrayList<>();
        Shape shape = input;
        for (int i = 0; i < chain.layers().size(); i++) {
            LayerConfig layer = chain.layers().get(i);
            Optional<List<Weight>> stored = store.of(layer);
            WeightCursor cursor =
                    new WeightCursor(layer, stored.orElse(List.of()), stored.isPresent() ? null : store.contents());
            LayerSpec spec = LayerReader.read(layer, shape, cursor, i == 0);
            cursor.finish();
            try {
                shape = spec.outputShape(shape);
            } catch (IllegalArgumentException e) {
                throw layer.fail(e.getMessage());
            }
            oversized(shape, ctx.limits()).ifPresent(p -> {
                throw layer.fail("its output " + p);
            });
            specs.add(spec);
        }
        JsonNode batch = chain.batchShape().get(0);
        return new ModelSpec(
                chain.name(),
                ctx.file(),
                ctx.version(),
                input,
                tokens,
                batch == null || batch.isNull() ? Optional.empty() : Optional.of(batch.asInt()),
                specs);
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
