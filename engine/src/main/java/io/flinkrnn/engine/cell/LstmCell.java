package io.flinkrnn.engine.cell;

import io.flinkrnn.engine.ops.Buffers;
import io.flinkrnn.engine.ops.Kernel;
import io.flinkrnn.engine.ops.Matrix;
import io.flinkrnn.model.spec.Activation;
import io.flinkrnn.model.spec.LstmCellSpec;
import io.flinkrnn.model.spec.Tensor;
import java.util.Arrays;

/**
 * Keras's {@code LSTMCell}: {@code z = x·W + h·U + b} split into gates i, f, c, o; {@code c' = f*c +
 * i*act(z_c)}, {@code h' = o*act(c')}. States h, c; output h.
 *
 * <p>The two products are one: each key's row {@code [x | h]} times the stacked {@code [W; U]}. Its
 * sums are the same chain of fused multiply-adds as x·W continued by h·U, so the numbers do not
 * change, but z is written once instead of written, re-read and rewritten. Keys go through in tiles
 * of {@link #TILE}, so that the gate update reads a tile's z from L1 however large the batch.
 *
 * <p>A step from zero states (window mode's first step) computes x·W alone: h·U would add nothing
 * but the sign of a zero, which {@link ZeroStateBias} restores, so the bits stay those of the full
 * product.
 */
public final class LstmCell extends UnitsCell {

    /**
     * Keys per tile: the tile's z ({@code TILE x 4 units}, 24 KB at 64 units) stays in L1 for the
     * gate update, and 24 is a whole number of the vectorized kernel's 6-key blocks.
     */
    private static final int TILE = 24;

    private final Activation activation;
    private final Activation recurrentActivation;
    private final Kernel kernel;
    private final Matrix weights;
    /** Added by the gate update: Keras adds it after both products. */
    private final float[] bias;
    /** W alone and the bias that goes with it, for a step from zero states; null if U is not finite. */
    private final Matrix inputWeights;

    private final float[] zeroStateBias;

    private float[] xh = new float[0];
    private float[] z = new float[0];

    public LstmCell(LstmCellSpec spec, Kernel kernel) {
        super(
                Gates.inputSize(spec.kernel(), spec.recurrentKernel(), spec.units(), LstmGates.GATES, "LSTMCell"),
                spec.units(),
                2);
        this.activation = spec.activation();
        this.recurrentActivation = spec.recurrentActivation();
        this.kernel = kernel;
        int n = LstmGates.GATES * units;
        this.weights = kernel.pack(stack(spec.kernel(), spec.recurrentKernel()), inputSize + units, n, 0, n);
        this.bias = Gates.bias(spec.bias(), n, "LSTMCell");
        this.zeroStateBias = ZeroStateBias.of(spec.recurrentKernel().data(), units, n, bias);
        this.inputWeights = zeroStateBias == null ? null : kernel.pack(spec.kernel());
    }

    /** {@code [W; U]}: both are row-major with the same columns, so stacking them is concatenation. */
    private static float[] stack(Tensor w, Tensor u) {
        float[] stacked = Arrays.copyOf(w.data(), w.data().length + u.data().length);
        System.arraycopy(u.data(), 0, stacked, w.data().length, u.data().length);
        return stacked;
    }

    @Override
    public void step(
            int rows,
            float[] x,
            int xOffset,
            int xStride,
            float[][] states,
            float[] out,
            int outOffset,
            int outStride) {
        run(rows, x, xOffset, xStride, states, out, outOffset, outStride, false);
    }

    @Override
    public void stepFromZero(
            int rows,
            float[] x,
            int xOffset,
            int xStride,
            float[][] states,
            float[] out,
            int outOffset,
            int outStride) {
        run(rows, x, xOffset, xStride, states, out, outOffset, outStride, zeroStateBias != null);
    }

    private void run(
            int rows,
            float[] x,
            int xOffset,
            int xStride,
            float[][] states,
            float[] out,
            int outOffset,
            int outStride,
            boolean inputOnly) {
        int k = inputSize + units;
        int n = LstmGates.GATES * units;
        int tile = Math.min(rows, TILE);
        xh = Buffers.ensure(xh, tile * k);
        z = Buffers.ensure(z, tile * n);
        float[] h = states[0];
        float[] c = states[1];
        for (int first = 0; first < rows; first += TILE) {
            int m = Math.min(TILE, rows - first);
            if (inputOnly) {
                kernel.multiply(m, x, xOffset + first * xStride, xStride, inputWeights, z, 0, n, false);
            } else {
                for (int r = 0; r < m; r++) {
                    System.arraycopy(x, xOffset + (first + r) * xStride, xh, r * k, inputSize);
                    System.arraycopy(h, (first + r) * units, xh, r * k + inputSize, units);
                }
                kernel.multiply(m, xh, 0, k, weights, z, 0, n, false);
            }
            int s = first * units;
            LstmGates.update(
                    activation, recurrentActivation, z, inputOnly ? zeroStateBias : bias, m, units, h, s, c, s);
            Gates.copyRows(m, units, h, s, out, outOffset + first * outStride, outStride);
        }
    }
}
