package io.flinkrnn.engine.cell;

import io.flinkrnn.engine.ops.Activations;
import io.flinkrnn.engine.ops.Affine;
import io.flinkrnn.engine.ops.Buffers;
import io.flinkrnn.engine.ops.Kernel;
import io.flinkrnn.model.spec.Activation;
import io.flinkrnn.model.spec.SimpleRnnCellSpec;

/** Keras's {@code SimpleRNNCell}: {@code h' = act(x·W + b + h·U)}. State h; output h. */
public final class SimpleRnnCell extends UnitsCell {

    private final Activation activation;
    private final Affine input;
    private final Affine recurrent;
    private float[] z = new float[0];

    public SimpleRnnCell(SimpleRnnCellSpec spec, Kernel kernel) {
        super(
                Gates.inputSize(spec.kernel(), spec.recurrentKernel(), spec.units(), 1, "SimpleRNNCell"),
                spec.units(),
                1);
        this.activation = spec.activation();
        // Keras adds the bias to the input projection before the recurrent one.
        this.input = new Affine(kernel, kernel.pack(spec.kernel()), Affine.vector(spec.bias()));
        this.recurrent = new Affine(kernel, kernel.pack(spec.recurrentKernel()), null);
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
        z = Buffers.ensure(z, rows * units);
        float[] h = states[0];
        input.apply(rows, x, xOffset, xStride, z, 0, units);
        recurrent.accumulate(rows, h, 0, units, z, 0, units);
        Activations.apply(activation, z, 0, rows, units);
        System.arraycopy(z, 0, h, 0, rows * units);
        Gates.copyRows(rows, units, h, 0, out, outOffset, outStride);
    }
}
