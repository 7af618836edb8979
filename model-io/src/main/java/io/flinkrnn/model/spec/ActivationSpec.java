package io.flinkrnn.model.spec;

/** {@code Activation}, and the advanced-activation layers such as {@code LeakyReLU} or {@code ELU}. */
public record ActivationSpec(String name, String className, Activation activation) implements LayerSpec {

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public long paramCount() {
        return 0;
    }

    @Override
    public boolean perStep() {
        return true;
    }
}
