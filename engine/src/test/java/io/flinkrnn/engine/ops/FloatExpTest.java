package io.flinkrnn.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link FloatExp}: the same bits on the vector path as on the scalar one, and close to the exact values. */
class FloatExpTest {

    /** Every region of the functions: tiny, around 0, the clamp bounds, saturation, and the specials. */
    private static float[] arguments() {
        Random random = new Random(24);
        float[] fixed = {
            0f,
            -0f,
            1e-30f,
            -1e-30f,
            1e-8f,
            0.5f,
            -0.5f,
            1f,
            -1f,
            43.5f,
            -43.5f,
            44f,
            -44f,
            87f,
            -87f,
            88f,
            -88f,
            88.5f,
            -88.5f,
            100f,
            -100f,
            Float.MAX_VALUE,
            -Float.MAX_VALUE,
            Float.MIN_VALUE,
            Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY
        };
        int n = 1 << 20;
        float[] a = new float[n];
        System.arraycopy(fixed, 0, a, 0, fixed.length);
        for (int i = fixed.length; i < n; i++) {
            // Mostly where gates live, some far out.
            a[i] = i % 8 == 0 ? (random.nextFloat() - 0.5f) * 240 : (float) random.nextGaussian() * 6;
        }
        return a;
    }

    @Test
    void vectorPathGivesTheScalarBitsOnEveryArgument() {
        assertThat(JavaKernel.INSTANCE.vectorized())
                .as("the tests' JVM loads the Vector API")
                .isTrue();
        float[] x = arguments();
        float[] sigmoid = x.clone();
        float[] tanh = x.clone();
        assertThat(VectorActivations.sigmoid(sigmoid, 0, x.length)).isEqualTo(x.length);
        assertThat(VectorActivations.tanh(tanh, 0, x.length)).isEqualTo(x.length);
        for (int i = 0; i < x.length; i++) {
            // AssertJ per element would take seconds over a million values.
            if (Float.floatToRawIntBits(sigmoid[i]) != Float.floatToRawIntBits(FloatExp.sigmoid(x[i]))) {
                assertThat(sigmoid[i]).as("sigmoid(%s)", x[i]).isEqualTo(FloatExp.sigmoid(x[i]));
            }
            if (Float.floatToRawIntBits(tanh[i]) != Float.floatToRawIntBits(FloatExp.tanh(x[i]))) {
                assertThat(tanh[i]).as("tanh(%s)", x[i]).isEqualTo(FloatExp.tanh(x[i]));
            }
        }
    }

    @Test
    void withinAFewFloatUlpsOfTheExactFunctions() {
        // exp within about two ulps; sigmoid adds the rounding of exp + 1 and of the division. Where
        // sigmoid is below e^-16 (1e-7), the reduction's ln 2 rounded to float32 adds up to two ulps
        // more, relative to values that small.
        Worst sigmoid = new Worst();
        Worst sigmoidTiny = new Worst();
        Worst tanh = new Worst();
        for (float x : arguments()) {
            double s = 1 / (1 + Math.exp(-(double) x));
            (x < -16 ? sigmoidTiny : sigmoid).add(x, Math.abs(FloatExp.sigmoid(x) - s) / ulps(s));
            // 1 - 2/(e^2x + 1) cancels near 0: tanh's error is absolute there, in ulps of 1.
            double t = Math.tanh(x);
            tanh.add(x, Math.abs(FloatExp.tanh(x) - t) / ulps(Math.max(Math.abs(t), 1)));
        }
        assertThat(sigmoid.ulps).as("sigmoid's worst error, at %s", sigmoid.at).isLessThanOrEqualTo(4);
        assertThat(sigmoidTiny.ulps)
                .as("sigmoid's worst error below e^-16, at %s", sigmoidTiny.at)
                .isLessThanOrEqualTo(6);
        assertThat(tanh.ulps).as("tanh's worst error, at %s", tanh.at).isLessThanOrEqualTo(2);
        assertThat(FloatExp.sigmoid(Float.POSITIVE_INFINITY)).isEqualTo(1f);
        assertThat(FloatExp.sigmoid(Float.NEGATIVE_INFINITY)).isBetween(0f, 1e-38f);
        assertThat(FloatExp.tanh(Float.POSITIVE_INFINITY)).isEqualTo(1f);
        assertThat(FloatExp.tanh(Float.NEGATIVE_INFINITY)).isEqualTo(-1f);
        // NaN, which validated events and finite weights cannot produce, saturates by its sign bit.
        assertThat(FloatExp.sigmoid(Float.NaN)).isEqualTo(1f);
        assertThat(FloatExp.sigmoid(Float.intBitsToFloat(0xFFC00000))).isBetween(0f, 1e-38f);
    }

    /**
     * A float32 ulp of {@code value}, and no less than 1e-37: clamping exp's argument may move
     * results that small by that much.
     */
    private static double ulps(double value) {
        return Math.max(Math.ulp((float) Math.abs(value)), 1e-37);
    }

    /** The largest error seen, in ulps, and where. */
    private static final class Worst {
        double ulps;
        float at;

        void add(float x, double error) {
            if (error > ulps) {
                ulps = error;
                at = x;
            }
        }
    }
}
