package io.flinkrnn.model.spec;

/** {@code RepeatVector(n)}: turns one vector into a sequence of n copies, the decoder's input. */
public record RepeatVectorSpec(String name, int n) implements LayerSpec {

    @Override
    public String className() {
        return "RepeatVector";
    }

    @Override
    public Shape outputShape(Shape input) {
        return Shape.sequence(n, input.features());
    }

    @Override
    public long paramCount() {
        return 0;
    }
}
