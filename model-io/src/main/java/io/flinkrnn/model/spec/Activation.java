package io.flinkrnn.model.spec;

/**
 * A Keras activation, resolved for the Keras version that wrote the file. {@code hard_sigmoid}
 * has two meanings: {@code clip(0.2x + 0.5, 0, 1)} in Keras 1 and 2, {@code relu6(x + 3) / 6} in
 * Keras 3, so model-io picks the kind once and the engine never needs the version.
 *
 * @param alpha the slope of {@code leaky_relu} and of {@link Kind#RELU_GENERAL}, the scale of {@code
 *     elu} and {@code celu}, {@code b} of {@code squareplus}, the threshold of {@code soft_shrink} and
 *     {@code hard_shrink}; unused by the others
 * @param maxValue the ceiling of {@link Kind#RELU_GENERAL}, {@code +Infinity} for none
 * @param threshold the threshold of {@link Kind#RELU_GENERAL}
 */
public record Activation(Kind kind, float alpha, float maxValue, float threshold) {

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
        LEAKY_RELU,
        /**
         * Keras's {@code ReLU} layer with its options, as {@code keras.activations.relu} computes it:
         * {@code p = threshold != 0 ? (x > threshold ? x : 0) : max(x, 0)}; {@code p = clip(p, 0,
         * maxValue)} when {@code maxValue} is finite; result {@code p - alpha * max(threshold - x, 0)}.
         */
        RELU_GENERAL,
        /** {@code x * tanh(softplus(x))}. */
        MISH,
        /** Keras 3's {@code hard_silu}/{@code hard_swish}: {@code x * relu6(x + 3) / 6}. */
        HARD_SILU,
        /** {@code max(0, x) + min(0, alpha * (exp(x / alpha) - 1))}, alpha 1 by default. */
        CELU,
        /** {@code -softplus(-x)}. */
        LOG_SIGMOID,
        /** {@code clip(x, -1, 1)}. */
        HARD_TANH,
        /** {@code 0} for {@code x <= -1}, {@code (x + 1)^2 / 4} for {@code |x| < 1}, {@code x} for {@code x >= 1}. */
        SPARSE_PLUS,
        /** {@code (x + sqrt(x^2 + b)) / 2} with {@code b = alpha}, 4 by default. */
        SQUAREPLUS,
        /** {@code x - t} above {@code t = alpha}, {@code x + t} below {@code -t}, else 0; t 0.5 by default. */
        SOFT_SHRINK,
        /** {@code x} where {@code |x| > t = alpha}, else 0; t 0.5 by default. */
        HARD_SHRINK,
        /** {@code x - tanh(x)}. */
        TANH_SHRINK,
        /** {@code log(softmax(x))} over the last axis. */
        LOG_SOFTMAX
    }

    public Activation(Kind kind, float alpha) {
        this(kind, alpha, Float.POSITIVE_INFINITY, 0f);
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
            case RELU_GENERAL -> "relu";
            default -> kind.name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
