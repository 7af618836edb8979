package io.flinkrnn.engine.ops;

import io.flinkrnn.model.spec.Tensor;

/**
 * The hot math of every layer: a batch of rows times a weight matrix, Keras's {@code
 * matmul(inputs, kernel)} for B keys at once. Weights are laid out once at load ({@link #pack}), so
 * an implementation can pick whatever layout its inner loops want; everything else in the engine is
 * elementwise.
 *
 * <p>Rows are addressed by offset and stride, so a caller can multiply step t of a {@code [rows,
 * steps, width]} sequence or a slice of a wider buffer without copying.
 */
public interface Kernel {

    /** Lays out columns {@code [from, to)} of a row-major {@code (rows, cols)} Keras weight. */
    Matrix pack(float[] data, int rows, int cols, int from, int to);

    /** Lays out a whole rank-2 Keras weight. */
    default Matrix pack(Tensor weight) {
        return pack(weight, 0, weight.dim(1));
    }

    /** Lays out columns {@code [from, to)} of a rank-2 Keras weight, e.g. one GRU gate block. */
    default Matrix pack(Tensor weight, int from, int to) {
        if (weight.rank() != 2) {
            throw new IllegalArgumentException("a kernel is rank 2, got " + weight);
        }
        return pack(weight.data(), weight.dim(0), weight.dim(1), from, to);
    }

    /**
     * {@code out[r] = x[r]·w} (or {@code +=} when {@code accumulate}) for {@code r < rows}, where row
     * r of {@code x} starts at {@code xOffset + r * xStride} and row r of {@code out} at {@code
     * outOffset + r * outStride}. Sums are float32, as Keras's CPU kernels compute them.
     */
    void multiply(
            int rows,
            float[] x,
            int xOffset,
            int xStride,
            Matrix w,
            float[] out,
            int outOffset,
            int outStride,
            boolean accumulate);

    /** Columns {@code [from, to)} of a row-major {@code (rows, cols)} matrix, row-major, checked. */
    static float[] columns(float[] data, int rows, int cols, int from, int to) {
        if (from < 0 || to > cols || from >= to || (long) rows * cols != data.length) {
            throw new IllegalArgumentException(
                    "columns [" + from + ", " + to + ") of a " + rows + "x" + cols + " matrix of " + data.length);
        }
        int width = to - from;
        float[] packed = new float[rows * width];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(data, i * cols + from, packed, i * width, width);
        }
        return packed;
    }
}
