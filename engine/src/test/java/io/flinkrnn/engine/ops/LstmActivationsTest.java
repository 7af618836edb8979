package io.flinkrnn.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.spec.Activation;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fused LSTM update ({@link Activations#lstm}): the vector path gives the scalar path's bits for
 * every unit, and both stay close to the LSTM computed gate by gate in double.
 */
class LstmActivationsTest {

    private static final int UNITS = 67; // whole vectors and a scalar tail on every vector width

    private final Random random = new Random(19);

    @Test
    void vectorPathGivesTheScalarBits() {
        assertThat(JavaKernel.INSTANCE.vectorized())
                .as("the tests' JVM loads the Vector API")
                .isTrue();
        for (int round = 0; round < 2000; round++) {
            float scale = round % 10 == 0 ? 60 : 4; // some gates far into saturation
            int rows = 1 + round % 5; // the vector path runs down the rows, the scalar one row by row
            float[] z = values(rows * 4 * UNITS, scale);
            float[] bias = round % 3 == 0 ? null : values(4 * UNITS, 1);
            float[] c = values(rows * UNITS, scale);
            float[] zScalar = z.clone();
            float[] cScalar = c.clone();
            float[] h = new float[rows * UNITS];
            float[] hScalar = new float[rows * UNITS];
            int vectorUnits = VectorActivations.lstm(z, 0, rows, bias, UNITS, c, 0, h, 0);
            for (int r = 0; r < rows; r++) {
                Activations.lstmScalar(0, zScalar, r * 4 * UNITS, bias, UNITS, cScalar, r * UNITS, hScalar, r * UNITS);
            }
            assertThat(vectorUnits).isPositive();
            for (int r = 0; r < rows; r++) {
                for (int j = r * UNITS; j < r * UNITS + vectorUnits; j++) {
                    assertThat(Float.floatToRawIntBits(c[j]))
                            .as("c of unit %d", j)
                            .isEqualTo(Float.floatToRawIntBits(cScalar[j]));
                    assertThat(Float.floatToRawIntBits(h[j]))
                            .as("h of unit %d", j)
                            .isEqualTo(Float.floatToRawIntBits(hScalar[j]));
                }
            }
        }
    }

    @Test
    void closeToTheGatesOneByOneInDouble() {
        double worstC = 0;
        double worstH = 0;
        for (int round = 0; round < 2000; round++) {
            float scale = round % 10 == 0 ? 60 : 4;
            float[] z = values(4 * UNITS, scale);
            float[] c = values(UNITS, scale);
            float[] zIn = z.clone();
            float[] cIn = c.clone();
            float[] h = new float[UNITS];
            assertThat(Activations.lstm(Activation.TANH, Activation.SIGMOID, z, 0, 1, null, UNITS, c, 0, h, 0))
                    .isTrue();
            for (int j = 0; j < UNITS; j++) {
                double i = sigmoid(zIn[j]);
                double f = sigmoid(zIn[UNITS + j]);
                double g = Math.tanh(zIn[2 * UNITS + j]);
                double o = sigmoid(zIn[3 * UNITS + j]);
                double cNew = f * cIn[j] + i * g;
                double hNew = o * Math.tanh(cNew);
                worstC = Math.max(worstC, Math.abs(c[j] - cNew) / Math.max(1, Math.abs(cNew)));
                worstH = Math.max(worstH, Math.abs(h[j] - hNew));
            }
        }
        // A few float32 ulps of 1: the same as the gates one by one in float32 would give.
        assertThat(worstC).as("c' error, relative above 1").isLessThan(5e-7);
        assertThat(worstH).as("h' error").isLessThan(5e-7);
    }

    private float[] values(int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian() * scale;
        }
        return a;
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}
