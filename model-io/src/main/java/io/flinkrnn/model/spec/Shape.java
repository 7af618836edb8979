package io.flinkrnn.model.spec;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The shape of one sample without its batch dimension, as Keras prints it: an optional time axis
 * ({@code null} time steps for sequences of any length) followed by the per-step feature shape.
 */
public record Shape(boolean sequence, Integer timeSteps, int[] features) {

    public Shape {
        features = features.clone();
        if (!sequence && timeSteps != null) {
            throw new IllegalArgumentException("a shape without a time axis has no time steps");
        }
    }

    public static Shape sequence(Integer timeSteps, int... features) {
        return new Shape(true, timeSteps, features);
    }

    public static Shape single(int... features) {
        return new Shape(false, null, features);
    }

    @Override
    public int[] features() {
        return features.clone();
    }

    /** Number of floats in one step, the C-order flattening of docs/SEMANTICS.md section 6. */
    public int stepSize() {
        return Math.toIntExact(Tensor.size(features));
    }

    /** The last axis, what a Dense or a recurrent layer sees as its input width. */
    public int lastDim() {
        return features[features.length - 1];
    }

    public Shape withFeatures(int... newFeatures) {
        return new Shape(sequence, timeSteps, newFeatures);
    }

    /** Keras's printed form, e.g. {@code (None, None, 16)} with the batch axis first. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("(None");
        if (sequence) {
            s.append(", ").append(timeSteps == null ? "None" : timeSteps);
        }
        for (int f : features) {
            s.append(", ").append(f);
        }
        return s.append(')').toString();
    }

    static String tuple(int[] dims) {
        if (dims.length == 1) {
            return "(" + dims[0] + ",)";
        }
        return Arrays.stream(dims).mapToObj(Integer::toString).collect(Collectors.joining(", ", "(", ")"));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s
                && sequence == s.sequence
                && java.util.Objects.equals(timeSteps, s.timeSteps)
                && Arrays.equals(features, s.features);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(sequence, timeSteps, Arrays.hashCode(features));
    }
}
