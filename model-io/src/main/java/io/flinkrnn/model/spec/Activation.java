package io.flinkrnn.model.spec;

/**
 * A Keras activation, resolved for the Keras version that wrote the file. {@code hard_sigmoid}
 * has two meanings: {@code clip(0.2x + 0.5, 0, 1)} in Keras 1 and 2, {@code relu6(x + 3) / 6} in
 * Keras 3, so model-io picks the kind once and the engine never needs the version.
 *
 * @param alpha the slope of {@code leaky_relu} or the scale of {@code elu}; unused by the others
 */
public record Activation(Kind kind, float alpha) {

    public enum Kind {
        LINEAR,
        TANH,
        SIGMOID,
        /** Keras 1 and 2: {@code clip(0.2x + 0.5, 0, 1)}. */
        HARD_SIGMOID_KERAS2,
        /** Keras 3: {@code relu6(x + 3) / 6}. */
        HARD_SIGMOID_KERAS3,
        RELU,
        RELU6,
        ELU,
        SELU,
        SOFTPLUS,
        SOFTSIGN,
        /** Over the last axis. */
        SOFTMAX,
        /** {@code x * sigmoid(x)}, also named {@code silu}. */
        SWISH,
        /** Exact (erf) form, Keras's default. */
        GELU,
        /** The tanh approximation, {@code gelu(approximate=True)}. */
        GELU_APPROXIMATE,
        EXPONENTIAL,
        LEAKY_RELU
    }

    public static final Activation LINEAR = of(Kind.LINEAR);
    public static final Activation TANH = of(Kind.TANH);
    public static final Activation SIGMOID = of(Kind.SIGMOID);

    public static Activation of(Kind kind) {
        return new Activation(kind, 0f);
    }

    /** The name Keras would print for this activation. */
    public String kerasName() {
        return switch (kind) {
            case HARD_SIGMOID_KERAS2, HARD_SIGMOID_KERAS3 -> "hard_sigmoid";
            case GELU_APPROXIMATE -> "gelu";
            default -> kind.name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
