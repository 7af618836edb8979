package io.flinkrnn.model.spec;

/** {@code TimeDistributed(layer)} (and Keras 1's {@code TimeDistributedDense}): the layer per step. */
public record TimeDistributedSpec(String name, LayerSpec layer) implements LayerSpec {

    @Override
    public String className() {
        return "TimeDistributed";
    }

    @Override
    public Shape outputShape(Shape input) {
        Shape step = layer.outputShape(Shape.single(input.features()));
        return Shape.sequence(input.timeSteps(), step.features());
    }

    @Override
    public long paramCount() {
        return layer.paramCount();
    }
}
