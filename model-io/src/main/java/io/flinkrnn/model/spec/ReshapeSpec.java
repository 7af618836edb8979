package io.flinkrnn.model.spec;

/**
 * {@code Reshape(target_shape)}: the whole sample (time axis included) is reshaped, so never
 * causal. {@code targetShape} may hold one {@code -1}.
 */
public record ReshapeSpec(String name, int[] targetShape) implements LayerSpec {

    public ReshapeSpec {
        targetShape = targetShape.clone();
    }

    @Override
    public int[] targetShape() {
        return targetShape.clone();
    }

    /** By value: a record compares arrays by identity, and two loads of one file must be equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ReshapeSpec r && name.equals(r.name) && java.util.Arrays.equals(targetShape, r.targetShape);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + java.util.Arrays.hashCode(targetShape);
    }

    @Override
    public String toString() {
        return "ReshapeSpec[" + name + ", " + Shape.tuple(targetShape) + "]";
    }

    @Override
    public String className() {
        return "Reshape";
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.sequence() && input.timeSteps() == null) {
            throw new IllegalArgumentException("Reshape '" + name + "' needs a fixed input length, got " + input);
        }
        long total = (input.sequence() ? input.timeSteps() : 1) * (long) input.stepSize();
        int[] dims = targetShape.clone();
        long known = 1;
        int unknown = -1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == -1) {
                unknown = i;
            } else {
                known *= dims[i];
            }
        }
        if (unknown >= 0 && total / known <= Integer.MAX_VALUE) {
            dims[unknown] = (int) (total / known);
        }
        if (unknown >= 0 && dims[unknown] == -1 || Tensor.size(dims) != total) {
            throw new IllegalArgumentException(
                    "Reshape '" + name + "' cannot turn " + input + " into " + Shape.tuple(targetShape));
        }
        // Keras reads the first axis of a rank >= 2 target as time, as a following RNN does.
        return dims.length >= 2
                ? Shape.sequence(dims[0], java.util.Arrays.copyOfRange(dims, 1, dims.length))
                : Shape.single(dims);
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
