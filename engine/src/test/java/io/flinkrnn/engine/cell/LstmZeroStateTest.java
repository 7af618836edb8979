package io.flinkrnn.engine.cell;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.engine.ops.JavaKernel;
import io.flinkrnn.engine.ops.Kernel;
import io.flinkrnn.model.spec.Activation;
import io.flinkrnn.model.spec.LstmCellSpec;
import io.flinkrnn.model.spec.Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link LstmCell#stepFromZero}, which leaves out h·U, gives the bits of a full {@link
 * LstmCell#step} from zero states: on random weights, on the signed zeros an underflowing x·W
 * leaves, and not at all (the full product runs) when U holds an infinity.
 */
class LstmZeroStateTest {

    private static final int INPUTS = 7;

    @Test
    void stepFromZeroEqualsAFullStepFromZeroStates() {
        Random random = new Random(18);
        for (Kernel kernel : new Kernel[] {JavaKernel.INSTANCE, JavaKernel.SCALAR}) {
            for (int units : new int[] {3, 20, 37}) {
                for (int rows : new int[] {1, 5, 50}) {
                    for (boolean withBias : new boolean[] {true, false}) {
                        LstmCellSpec spec = new LstmCellSpec(
                                units,
                                Activation.TANH,
                                Activation.SIGMOID,
                                tensor(random, INPUTS, 4 * units),
                                tensor(random, units, 4 * units),
                                withBias ? tensor(random, 4 * units) : null);
                        float[] x = tensor(random, rows, INPUTS + 2).data();
                        assertSameBits(spec, kernel, rows, x, INPUTS + 2, "units " + units + " rows " + rows);
                    }
                }
            }
        }
    }

    /**
     * x·W is -0 in every column (each product underflows to -0); 0·U then turns it +0 where a
     * column's weight is positive and leaves it -0 where it is negative. With linear activations
     * the sign reaches h, so a step that skipped h·U and added b as it is would flip it.
     */
    @Test
    void signedZerosOfAnUnderflowingInputProjectionComeOutAsTheFullProductLeavesThem() {
        float[] x = {-1e-30f};
        Tensor w = new Tensor(new int[] {1, 4}, filled(4, 1e-30f));
        for (float u : new float[] {0.5f, -0.5f}) {
            for (float[] bias : new float[][] {null, filled(4, -0f), filled(4, 0f)}) {
                LstmCellSpec spec = new LstmCellSpec(
                        1,
                        Activation.LINEAR,
                        Activation.LINEAR,
                        w,
                        new Tensor(new int[] {1, 4}, filled(4, u)),
                        bias == null ? null : new Tensor(new int[] {4}, bias));
                String at = "u " + u + " bias " + Arrays.toString(bias);
                float h = assertSameBits(spec, JavaKernel.INSTANCE, 1, x, 1, at)[0];
                boolean negativeZero = u < 0 && (bias == null || Float.floatToRawIntBits(bias[0]) != 0);
                assertThat(Float.floatToRawIntBits(h))
                        .as(at)
                        .isEqualTo(Float.floatToRawIntBits(negativeZero ? -0f : 0f));
            }
        }
    }

    /**
     * 0·inf is NaN in the i gate of unit 0, which the fused sigmoid saturates: i is 0 or 1 where a
     * step that skipped h·U would have computed sigmoid(x·W + b).
     */
    @Test
    void anInfiniteRecurrentWeightKeepsTheFullProduct() {
        Random random = new Random(7);
        Tensor w = tensor(random, INPUTS, 16);
        Tensor u = tensor(random, 4, 16);
        float[] x = tensor(random, 3, INPUTS).data();
        u.data()[0] = 0f;
        float[] skipped = assertSameBits(
                new LstmCellSpec(4, Activation.TANH, Activation.SIGMOID, w, u, null),
                JavaKernel.INSTANCE,
                3,
                x,
                INPUTS,
                "finite");
        u.data()[0] = Float.POSITIVE_INFINITY;
        float[] h = assertSameBits(
                new LstmCellSpec(4, Activation.TANH, Activation.SIGMOID, w, u, null),
                JavaKernel.INSTANCE,
                3,
                x,
                INPUTS,
                "inf");
        for (int r = 0; r < 3; r++) {
            assertThat(h[r * 4]).as("key %d", r).isNotEqualTo(skipped[r * 4]);
        }
    }

    /** Runs both steps from zero states and returns h. */
    private static float[] assertSameBits(
            LstmCellSpec spec, Kernel kernel, int rows, float[] x, int stride, String at) {
        int units = spec.units();
        float[][] full = {new float[rows * units], new float[rows * units]};
        float[][] skipped = {new float[rows * units], new float[rows * units]};
        float[] fullOut = new float[rows * units];
        float[] skippedOut = new float[rows * units];
        new LstmCell(spec, kernel).step(rows, x, 0, stride, full, fullOut, 0, units);
        new LstmCell(spec, kernel).stepFromZero(rows, x, 0, stride, skipped, skippedOut, 0, units);
        assertThat(bits(skipped[0])).as("h, " + at).containsExactly(bits(full[0]));
        assertThat(bits(skipped[1])).as("c, " + at).containsExactly(bits(full[1]));
        assertThat(bits(skippedOut)).as("output, " + at).containsExactly(bits(fullOut));
        return skipped[0];
    }

    static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToIntBits(values[i]);
        }
        return bits;
    }

    private static float[] filled(int n, float value) {
        float[] a = new float[n];
        Arrays.fill(a, value);
        return a;
    }

    private static Tensor tensor(Random random, int... shape) {
        float[] data = new float[Math.toIntExact(Tensor.size(shape))];
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextFloat() - 0.5f;
        }
        return new Tensor(shape, data);
    }
}
