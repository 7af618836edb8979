package io.flinkrnn.engine.cell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flinkrnn.engine.ops.JavaKernel;
import io.flinkrnn.model.spec.Activation;
import io.flinkrnn.model.spec.LstmCellSpec;
import io.flinkrnn.model.spec.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The LSTM step against a plain double-precision LSTM, on shapes the Keras fixtures (at most 16
 * units, a few keys) do not reach: units that are not whole SIMD vectors, where the fused update
 * and the general path share each row, and batches of several tiles with a remainder.
 */
class LstmCellTest {

    private static final int INPUTS = 7;
    private static final int STEPS = 4;

    @Test
    void matchesADoublePrecisionLstmOnEveryUnitCountAndBatch() {
        for (int units : new int[] {3, 16, 20, 37, 64}) {
            for (int rows : new int[] {1, 5, 50}) {
                check(units, rows, Activation.SIGMOID);
            }
        }
    }

    @Test
    void otherRecurrentActivationsTakeTheGeneralPath() {
        check(20, 5, Activation.of(Activation.Kind.HARD_SIGMOID_KERAS2));
    }

    private static void check(int units, int rows, Activation recurrentActivation) {
        Random random = new Random(units * 131L + rows);
        Tensor w = tensor(random, INPUTS, 4 * units);
        Tensor u = tensor(random, units, 4 * units);
        Tensor b = tensor(random, 4 * units);
        LstmCell cell = new LstmCell(
                new LstmCellSpec(units, Activation.TANH, recurrentActivation, w, u, b), JavaKernel.INSTANCE);
        float[][] states = {new float[rows * units], new float[rows * units]};
        double[] h = new double[rows * units];
        double[] c = new double[rows * units];
        int outStride = units + 2;
        float[] out = new float[rows * outStride];
        for (int t = 0; t < STEPS; t++) {
            float[] x = tensor(random, rows, INPUTS).data();
            cell.step(rows, x, 0, INPUTS, states, out, 1, outStride);
            for (int r = 0; r < rows; r++) {
                reference(recurrentActivation, x, r, w, u, b, units, h, c);
                for (int j = 0; j < units; j++) {
                    String at = "units " + units + " rows " + rows + " step " + t + " key " + r + " unit " + j;
                    assertThat((double) states[0][r * units + j])
                            .as("h, " + at)
                            .isCloseTo(h[r * units + j], within(1e-5));
                    assertThat((double) states[1][r * units + j])
                            .as("c, " + at)
                            .isCloseTo(c[r * units + j], within(1e-5));
                    assertThat(out[1 + r * outStride + j]).as("output, " + at).isEqualTo(states[0][r * units + j]);
                }
            }
        }
    }

    /** One key's step in double, gates i, f, c, o as Keras lays them out. */
    private static void reference(
            Activation recurrentActivation,
            float[] x,
            int r,
            Tensor w,
            Tensor u,
            Tensor b,
            int units,
            double[] h,
            double[] c) {
        int n = 4 * units;
        double[] z = new double[n];
        for (int j = 0; j < n; j++) {
            double sum = b.data()[j];
            for (int i = 0; i < INPUTS; i++) {
                sum += x[r * INPUTS + i] * (double) w.data()[i * n + j];
            }
            for (int i = 0; i < units; i++) {
                sum += h[r * units + i] * u.data()[i * n + j];
            }
            z[j] = sum;
        }
        for (int j = 0; j < units; j++) {
            double in = gate(recurrentActivation, z[j]);
            double forget = gate(recurrentActivation, z[units + j]);
            double out = gate(recurrentActivation, z[3 * units + j]);
            double cNew = forget * c[r * units + j] + in * Math.tanh(z[2 * units + j]);
            c[r * units + j] = cNew;
            h[r * units + j] = out * Math.tanh(cNew);
        }
    }

    private static double gate(Activation activation, double x) {
        return activation.kind() == Activation.Kind.SIGMOID
                ? 1 / (1 + Math.exp(-x))
                : Math.min(Math.max(0.2 * x + 0.5, 0), 1);
    }

    private static Tensor tensor(Random random, int... shape) {
        float[] data = new float[Math.toIntExact(Tensor.size(shape))];
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextFloat() - 0.5f;
        }
        return new Tensor(shape, data);
    }
}
