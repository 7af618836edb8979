package io.flinkrnn.engine.cell;

import io.flinkrnn.engine.ops.Activations;
import io.flinkrnn.model.spec.Activation;
import io.flinkrnn.model.spec.Tensor;

/** Elementwise helpers shared by the cells, on gate blocks laid out {@code [rows, gates * units]}. */
final class Gates {

    private Gates() {}

    /** Applies {@code activation} to gates {@code [first, first + count)} of every row, one gate at a time. */
    static void activate(Activation activation, float[] z, int rows, int gates, int units, int first, int count) {
        int stride = gates * units;
        for (int r = 0; r < rows; r++) {
            Activations.apply(activation, z, r * stride + first * units, count, units);
        }
    }

    /** Copies one gate-sized vector per row from {@code [rows, units]} state layout to an output. */
    static void copyRows(int rows, int units, float[] from, int fromOffset, float[] out, int outOffset, int outStride) {
        for (int r = 0; r < rows; r++) {
            System.arraycopy(from, fromOffset + r * units, out, outOffset + r * outStride, units);
        }
    }

    /** A cell's bias as a plain vector of {@code size}, or {@code null} when it has none. */
    static float[] bias(Tensor bias, int size, String cell) {
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != size)) {
            throw new IllegalArgumentException(cell + " needs a bias of " + size + ", got " + bias.shapeString());
        }
        return bias == null ? null : bias.data();
    }

    /** Checks a cell's kernels against Keras's layout and returns the input width. */
    static int inputSize(Tensor kernel, Tensor recurrentKernel, int units, int gates, String cell) {
        if (recurrentKernel.rank() != 2
                || recurrentKernel.dim(0) != units
                || recurrentKernel.dim(1) != gates * units
                || kernel.rank() != 2
                || kernel.dim(1) != gates * units) {
            throw new IllegalArgumentException(cell + " with " + units + " units cannot use kernel "
                    + kernel.shapeString() + " and recurrent kernel " + recurrentKernel.shapeString());
        }
        return kernel.dim(0);
    }
}
