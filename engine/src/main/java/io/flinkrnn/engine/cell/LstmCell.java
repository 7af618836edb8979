package io.flinkrnn.engine.cell;

import io.flinkrnn.engine.ops.Affine;
import io.flinkrnn.engine.ops.Buffers;
import io.flinkrnn.engine.ops.Kernel;
import io.flinkrnn.model.spec.Activation;
import io.flinkrnn.model.spec.LstmCellSpec;

/**
 * Keras's {@code LSTMCell}: {@code z = x·W + h·U + b} split into gates i, f, c, o; {@code c' = f*c +
 * i*act(z_c)}, {@code h' = o*act(c')}. States h, c; output h.
 */
public final class LstmCell extends UnitsCell {

    private final Activation activation;
    private final Activation recurrentActivation;
    private final Affine input;
    private final Affine recurrent;
    private float[] z = new float[0];

    public LstmCell(LstmCellSpec spec, Kernel kernel) {
        super(
                Gates.inputSize(spec.kernel(), spec.recurrentKernel(), spec.units(), LstmGates.GATES, "LSTMCell"),
                spec.units(),
                2);
        this.activation = spec.activation();
        this.recurrentActivation = spec.recurrentActivation();
        this.input = new Affine(kernel, kernel.pack(spec.kernel()), null);
        // Keras adds the bias after both products: x·W + h·U + b.
        this.recurrent = new Affine(kernel, kernel.pack(spec.recurrentKernel()), Affine.vector(spec.bias()));
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
        int n = LstmGates.GATES * units;
        z = Buffers.ensure(z, rows * n);
        float[] h = states[0];
        float[] c = states[1];
        input.apply(rows, x, xOffset, xStride, z, 0, n);
        recurrent.accumulate(rows, h, 0, units, z, 0, n);
        LstmGates.update(activation, recurrentActivation, z, rows, units, h, 0, c, 0);
        Gates.copyRows(rows, units, h, out, outOffset, outStride);
    }
}
