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
 * <p>Over a sequence (window mode) x·W of every step is one product before the recurrence ({@link
 * ProjectingCell}), which each step continues with h·U, the same chain again. A step from zero
 * states (the window's first) leaves h·U out: it would add nothing but the sign of a zero, which
 * {@link ZeroStateBias} restores, so the bits stay those of the full product.
 */
public final class LstmCell extends UnitsCell implements ProjectingCell {

    /**
     * Keys per tile: the tile's z ({@code TILE x 4 units}, 24 KB at 64 units) stays in L1 for the
     * gate update, and 24 is a whole number of the vectorized kernel's 6-key blocks.
     */
    private static final int TILE = 24;

    /**
     * Most floats of projections a sequence may take (128 KB). They are written before the recurrence
     * and read back a step at a time; past a few hundred KB that traffic costs more than the shared
     * product saves (LSTM(96)x2 over window(4): 16 keys' 98 KB gained a little, 72 keys' 442 KB lost
     * 4%), while a window of 1 key (6 KB) runs a quarter faster.
     */
    private static final int MAX_PROJECTED = 1 << 15;

    private final Activation activation;
    private final Activation recurrentActivation;
    private final Kernel kernel;
    private final Matrix weights;
    private final Matrix inputWeights;
    private final Matrix recurrentWeights;
    /** Added by the gate update: Keras adds it after both products. */
    private final float[] bias;
    /** The bias of a step that leaves h·U out, or null when U is not finite and no step may. */
    private final float[] zeroStateBias;

    private float[] xh = new float[0];
    private float[] z = new float[0];
    /** x·W of the sequence last projected, row r's step t at {@code (r * projectedSteps + t) * 4 units}. */
    private float[] projected = new float[0];

    private int projectedSteps;

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
        this.inputWeights = kernel.pack(spec.kernel());
        this.recurrentWeights = kernel.pack(spec.recurrentKernel());
        this.bias = Gates.bias(spec.bias(), n, "LSTMCell");
        this.zeroStateBias = ZeroStateBias.of(spec.recurrentKernel().data(), units, n, bias);
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
        run(rows, x, xOffset, xStride, -1, states, out, outOffset, outStride, false);
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
        run(rows, x, xOffset, xStride, -1, states, out, outOffset, outStride, true);
    }

    @Override
    public boolean project(int rows, int steps, float[] x) {
        int n = LstmGates.GATES * units;
        if ((long) rows * steps * n > MAX_PROJECTED) {
            return false;
        }
        projected = Buffers.ensure(projected, rows * steps * n);
        projectedSteps = steps;
        kernel.multiply(rows * steps, x, 0, inputSize, inputWeights, projected, 0, n, false);
        return true;
    }

    @Override
    public void stepProjected(
            int t, int rows, float[][] states, float[] out, int outOffset, int outStride, boolean fromZero) {
        run(rows, null, 0, 0, t, states, out, outOffset, outStride, fromZero);
    }

    /**
     * One step, a tile of keys at a time; z of a tile comes from the projection of step {@code t}
     * continued with h·U when {@code t >= 0}, else from {@code x} (x·W alone or {@code [x | h]·[W;
     * U]}). With {@code fromZero} and a finite U, h·U is left out.
     */
    private void run(
            int rows,
            float[] x,
            int xOffset,
            int xStride,
            int t,
            float[][] states,
            float[] out,
            int outOffset,
            int outStride,
            boolean fromZero) {
        int k = inputSize + units;
        int n = LstmGates.GATES * units;
        int tile = Math.min(rows, TILE);
        z = Buffers.ensure(z, tile * n);
        boolean inputOnly = fromZero && zeroStateBias != null;
        float[] h = states[0];
        float[] c = states[1];
        int stride = projectedSteps * n;
        for (int first = 0; first < rows; first += TILE) {
            int m = Math.min(TILE, rows - first);
            if (t >= 0) {
                int at = (first * projectedSteps + t) * n;
                if (!inputOnly) {
                    kernel.multiply(m, h, first * units, units, recurrentWeights, projected, at, stride, true);
                }
                for (int r = 0; r < m; r++) {
                    System.arraycopy(projected, at + r * stride, z, r * n, n);
                }
            } else if (inputOnly) {
                kernel.multiply(m, x, xOffset + first * xStride, xStride, inputWeights, z, 0, n, false);
            } else {
                xh = Buffers.ensure(xh, tile * k);
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
