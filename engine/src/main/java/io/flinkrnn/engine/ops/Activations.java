package io.flinkrnn.engine.ops;

import io.flinkrnn.model.spec.Activation;

/**
 * Keras's activations, applied in place. Sigmoid and tanh, the recurrent cells' own, are {@link
 * FloatExp}'s float32 functions, bit-identical on the vectorized and scalar paths. The other
 * transcendentals run in double and round once to float32, which stays within an ulp or two of
 * TensorFlow's float kernels; they are scalar only, so every call computes them the same way.
 */
public final class Activations {

    // Keras's selu constants (Klambauer et al.).
    private static final double SELU_ALPHA = 1.6732632423543772848170429916717;
    private static final double SELU_SCALE = 1.0507009873554804934193349852946;
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double SQRT_HALF = Math.sqrt(0.5);

    /** The vectorized sigmoid and tanh run where the engine's vectorized kernel does. */
    private static final boolean VECTOR = JavaKernel.INSTANCE.vectorized();

    private Activations() {}

    /**
     * Applies {@code activation} to {@code vectors} consecutive vectors of {@code width} floats from
     * {@code offset}. The vector matters only to softmax and log-softmax, which Keras takes over the
     * last axis.
     */
    public static void apply(Activation activation, float[] a, int offset, int vectors, int width) {
        int to = offset + vectors * width;
        switch (activation.kind()) {
            case LINEAR -> {}
            case SIGMOID -> {
                for (int i = VECTOR ? VectorActivations.sigmoid(a, offset, to) : offset; i < to; i++) {
                    a[i] = FloatExp.sigmoid(a[i]);
                }
            }
            case TANH -> {
                for (int i = VECTOR ? VectorActivations.tanh(a, offset, to) : offset; i < to; i++) {
                    a[i] = FloatExp.tanh(a[i]);
                }
            }
            case SOFTMAX -> {
                for (int v = offset; v < to; v += width) {
                    softmax(a, v, width, false);
                }
            }
            case LOG_SOFTMAX -> {
                for (int v = offset; v < to; v += width) {
                    softmax(a, v, width, true);
                }
            }
            default -> {
                for (int i = offset; i < to; i++) {
                    a[i] = (float) elementwise(activation, a[i]);
                }
            }
        }
    }

    /**
     * The LSTM update of {@code rows} keys for Keras's default tanh activation and sigmoid recurrent
     * activation, bias included: from the pre-activations of gates i, f, c, o ({@code 4 * units} a
     * row from {@code zOffset}, {@code bias} not yet added, or {@code null}), {@code c' = f*c +
     * i*tanh(z_c)} and {@code h' = o*tanh(c')} overwrite {@code c} and {@code h} ({@code units} a
     * row), through {@link FloatExp#lstmCell} and {@link FloatExp#lstmOutput}: whole SIMD vectors on
     * the vectorized path, the rest here, with the same bits. Returns false, touching nothing, for
     * other activations: the caller's general path then takes every unit. It consumes z.
     */
    public static boolean lstm(
            Activation activation,
            Activation recurrentActivation,
            float[] z,
            int zOffset,
            int rows,
            float[] bias,
            int units,
            float[] c,
            int cOffset,
            float[] h,
            int hOffset) {
        if (activation.kind() != Activation.Kind.TANH || recurrentActivation.kind() != Activation.Kind.SIGMOID) {
            return false;
        }
        int done = VECTOR ? VectorActivations.lstm(z, zOffset, rows, bias, units, c, cOffset, h, hOffset) : 0;
        if (done < units) {
            for (int r = 0; r < rows; r++) {
                lstmScalar(
                        done, z, zOffset + r * 4 * units, bias, units, c, cOffset + r * units, h, hOffset + r * units);
            }
        }
        return true;
    }

    /** {@link #lstm} for units {@code [from, units)}, one at a time. */
    static void lstmScalar(
            int from, float[] z, int zOffset, float[] bias, int units, float[] c, int cOffset, float[] h, int hOffset) {
        int zf = zOffset + units;
        int zc = zf + units;
        int zo = zc + units;
        for (int j = from; j < units; j++) {
            float ei = FloatExp.LSTM_SIGMOID.apply(biased(z[zOffset + j], bias, j));
            float ef = FloatExp.LSTM_SIGMOID.apply(biased(z[zf + j], bias, units + j));
            float eg = FloatExp.LSTM_TANH.apply(biased(z[zc + j], bias, 2 * units + j));
            float eo = FloatExp.LSTM_SIGMOID.apply(biased(z[zo + j], bias, 3 * units + j));
            float cNew = FloatExp.lstmCell(c[cOffset + j], ei, ef, eg);
            c[cOffset + j] = cNew;
            h[hOffset + j] = FloatExp.lstmOutput(eo, FloatExp.LSTM_TANH.apply(cNew));
        }
    }

    private static float biased(float z, float[] bias, int at) {
        return bias == null ? z : z + bias[at];
    }

    /** Every kind must be listed here: a kind model-io adds later fails this build, not a model. */
    private static double elementwise(Activation activation, double x) {
        double alpha = activation.alpha();
        return switch (activation.kind()) {
            case LINEAR -> x;
            case TANH -> FloatExp.tanh((float) x);
            case SIGMOID -> FloatExp.sigmoid((float) x);
            case HARD_SIGMOID_KERAS2 -> clip(0.2f * (float) x + 0.5f, 0, 1);
            case HARD_SIGMOID_KERAS3 -> relu6(x + 3) / 6;
            case RELU -> Math.max(x, 0);
            case RELU6 -> relu6(x);
            case ELU -> x > 0 ? x : alpha * Math.expm1(x);
            case SELU -> SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
            case SOFTPLUS -> softplus(x);
            case SOFTSIGN -> x / (1 + Math.abs(x));
            case SWISH -> x * sigmoid(x);
            case GELU -> 0.5 * x * (1 + Erf.erf(x * SQRT_HALF));
            case GELU_APPROXIMATE -> 0.5 * x * (1 + tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
            case EXPONENTIAL -> Math.exp(x);
            case LEAKY_RELU -> x >= 0 ? x : alpha * x;
            case RELU_GENERAL -> reluGeneral(activation, x);
            case MISH -> x * tanh(softplus(x));
            case HARD_SILU -> x * relu6(x + 3) / 6;
            case CELU -> Math.max(0, x) + Math.min(0, alpha * Math.expm1(x / alpha));
            case LOG_SIGMOID -> -softplus(-x);
            case HARD_TANH -> clip(x, -1, 1);
            case SPARSE_PLUS -> x <= -1 ? 0 : x >= 1 ? x : (x + 1) * (x + 1) / 4;
            case SQUAREPLUS -> (x + Math.sqrt(x * x + alpha)) / 2;
            case SOFT_SHRINK -> x > alpha ? x - alpha : x < -alpha ? x + alpha : 0;
            case HARD_SHRINK -> Math.abs(x) > alpha ? x : 0;
            case TANH_SHRINK -> x - tanh(x);
            case SOFTMAX, LOG_SOFTMAX -> throw new IllegalArgumentException(
                    activation.kerasName() + " normalizes a vector, not one value");
        };
    }

    /** Keras's {@code relu(x, negative_slope, max_value, threshold)}. */
    private static double reluGeneral(Activation a, double x) {
        double threshold = a.threshold();
        double p = threshold != 0 ? (x > threshold ? x : 0) : Math.max(x, 0);
        if (Float.isFinite(a.maxValue())) {
            p = clip(p, 0, a.maxValue());
        }
        return p - a.alpha() * Math.max(threshold - x, 0);
    }

    /** Through the exp intrinsic, several times faster than {@code Math.tanh}, exact at float32. */
    private static double tanh(double x) {
        return 1 - 2 / (Math.exp(2 * x) + 1);
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private static double softplus(double x) {
        return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    private static double relu6(double x) {
        return clip(x, 0, 6);
    }

    private static double clip(double x, double lo, double hi) {
        return Math.min(Math.max(x, lo), hi);
    }

    private static void softmax(float[] a, int offset, int width, boolean log) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = offset; i < offset + width; i++) {
            max = Math.max(max, a[i]);
        }
        double sum = 0;
        for (int i = offset; i < offset + width; i++) {
            sum += Math.exp(a[i] - max);
        }
        double logSum = Math.log(sum);
        for (int i = offset; i < offset + width; i++) {
            double shifted = a[i] - max;
            a[i] = (float) (log ? shifted - logSum : Math.exp(shifted) / sum);
        }
    }
}
