package io.flinkrnn.engine.ops;

import io.flinkrnn.model.spec.Tensor;
import java.util.Arrays;

/**
 * {@code x·kernel + bias} for a batch of rows: the projection shared by every gate of every cell and
 * by {@code Dense}. Adding the bias after the product keeps Keras's order of operations.
 */
public final class Affine {

    private final Kernel kernel;
    private final Matrix weights;
    private final float[] bias;

    /** @param bias {@code cols} values, or {@code null} for {@code use_bias=False} */
    public Affine(Kernel kernel, Matrix weights, float[] bias) {
        if (bias != null && bias.length != weights.cols()) {
            throw new IllegalArgumentException(
                    "bias of " + bias.length + " for a kernel of " + weights.cols() + " outputs");
        }
        this.kernel = kernel;
        this.weights = weights;
        this.bias = bias;
    }

    /** A bias tensor as a plain vector, or {@code null} when the layer has none. */
    public static float[] vector(Tensor bias) {
        return bias == null ? null : bias.data();
    }

    /** Row {@code row} of a rank-2 bias, e.g. the input or recurrent bias of a {@code reset_after} GRU. */
    public static float[] row(Tensor bias, int row) {
        if (bias == null) {
            return null;
        }
        int n = bias.dim(1);
        return Arrays.copyOfRange(bias.data(), row * n, (row + 1) * n);
    }

    public int inputs() {
        return weights.rows();
    }

    public int outputs() {
        return weights.cols();
    }

    /** {@code out[r] = x[r]·kernel + bias}. */
    public void apply(int rows, float[] x, int xOffset, int xStride, float[] out, int outOffset, int outStride) {
        kernel.multiply(rows, x, xOffset, xStride, weights, out, outOffset, outStride, false);
        addBias(rows, out, outOffset, outStride);
    }

    /** {@code out[r] += x[r]·kernel + bias}. */
    public void accumulate(int rows, float[] x, int xOffset, int xStride, float[] out, int outOffset, int outStride) {
        kernel.multiply(rows, x, xOffset, xStride, weights, out, outOffset, outStride, true);
        addBias(rows, out, outOffset, outStride);
    }

    private void addBias(int rows, float[] out, int outOffset, int outStride) {
        if (bias == null) {
            return;
        }
        int n = bias.length;
        for (int r = 0; r < rows; r++) {
            int o = outOffset + r * outStride;
            for (int j = 0; j < n; j++) {
                out[o + j] += bias[j];
            }
        }
    }
}
