package io.flinkrnn.engine.cell;

import io.flinkrnn.engine.ops.Affine;
import io.flinkrnn.engine.ops.Buffers;
import io.flinkrnn.engine.ops.Kernel;
import io.flinkrnn.model.spec.Activation;
import io.flinkrnn.model.spec.GruCellSpec;
import io.flinkrnn.model.spec.Tensor;

/**
 * Keras's {@code GRUCell}, gates z, r, h: {@code z = ract(x_z + h·U_z)}, {@code r = ract(x_r +
 * h·U_r)}, {@code h' = z*h + (1-z)*act(x_h + rec_h)} with {@code x = x·W + b_in}. With {@code
 * reset_after} (Keras 2.3+ default, CuDNN-compatible) {@code rec_h = r * (h·U_h + b_rec)}; without
 * it {@code rec_h = (r*h)·U_h}. State h; output h.
 */
public final class GruCell extends UnitsCell {

    private static final int GATES = 3;

    private final boolean resetAfter;
    private final Activation activation;
    private final Activation recurrentActivation;
    private final Affine input;
    /** h·U for all three gates (reset after) or for z and r only (reset before). */
    private final Affine recurrent;
    /** (r*h)·U_h, reset before only. */
    private final Affine candidate;

    private float[] mx = new float[0];
    private float[] mh = new float[0];
    private float[] rh = new float[0];

    public GruCell(GruCellSpec spec, Kernel kernel) {
        super(Gates.inputSize(spec.kernel(), spec.recurrentKernel(), spec.units(), GATES, "GRUCell"), spec.units(), 1);
        this.resetAfter = spec.resetAfter();
        this.activation = spec.activation();
        this.recurrentActivation = spec.recurrentActivation();
        Tensor bias = spec.bias();
        Tensor u = spec.recurrentKernel();
        if (resetAfter) {
            if (bias != null && (bias.rank() != 2 || bias.dim(0) != 2)) {
                throw new IllegalArgumentException("a reset_after GRUCell has a (2, 3 * units) bias, got " + bias);
            }
            this.input = new Affine(kernel, kernel.pack(spec.kernel()), Affine.row(bias, 0));
            this.recurrent = new Affine(kernel, kernel.pack(u), Affine.row(bias, 1));
            this.candidate = null;
        } else {
            this.input = new Affine(kernel, kernel.pack(spec.kernel()), Affine.vector(bias));
            this.recurrent = new Affine(kernel, kernel.pack(u, 0, 2 * units), null);
            this.candidate = new Affine(kernel, kernel.pack(u, 2 * units, 3 * units), null);
        }
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
        int n = GATES * units;
        int m = recurrent.outputs();
        mx = Buffers.ensure(mx, rows * n);
        mh = Buffers.ensure(mh, rows * m);
        float[] h = states[0];
        input.apply(rows, x, xOffset, xStride, mx, 0, n);
        recurrent.apply(rows, h, 0, units, mh, 0, m);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < 2 * units; j++) {
                mx[r * n + j] += mh[r * m + j];
            }
        }
        Gates.activate(recurrentActivation, mx, rows, GATES, units, 0, 2);
        if (resetAfter) {
            for (int r = 0; r < rows; r++) {
                int zr = r * n + units;
                int zh = zr + units;
                int rec = r * m + 2 * units;
                for (int j = 0; j < units; j++) {
                    mx[zh + j] += mx[zr + j] * mh[rec + j];
                }
            }
        } else {
            rh = Buffers.ensure(rh, rows * units);
            for (int r = 0; r < rows; r++) {
                int zr = r * n + units;
                for (int j = 0; j < units; j++) {
                    rh[r * units + j] = mx[zr + j] * h[r * units + j];
                }
            }
            candidate.accumulate(rows, rh, 0, units, mx, 2 * units, n);
        }
        Gates.activate(activation, mx, rows, GATES, units, 2, 1);
        for (int r = 0; r < rows; r++) {
            int zz = r * n;
            int zh = zz + 2 * units;
            int s = r * units;
            for (int j = 0; j < units; j++) {
                float z = mx[zz + j];
                h[s + j] = z * h[s + j] + (1f - z) * mx[zh + j];
            }
        }
        Gates.copyRows(rows, units, h, 0, out, outOffset, outStride);
    }
}
