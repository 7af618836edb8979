package io.flinkrnn.model.spec;

/** {@code Flatten}: across time when given a sequence, so never causal. */
public record FlattenSpec(String name) implements LayerSpec {

    @Override
    public String className() {
        return "Flatten";
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.sequence() && input.timeSteps() == null) {
            throw new IllegalArgumentException(
                    "Flatten '" + name + "' needs a fixed number of time steps, the input is " + input);
        }
        int t = input.sequence() ? input.timeSteps() : 1;
        return Shape.single(t * input.stepSize());
    }

    @Override
    public long paramCount() {
        return 0;
    }

    @Override
    public boolean causal() {
        return false;
    }
}
