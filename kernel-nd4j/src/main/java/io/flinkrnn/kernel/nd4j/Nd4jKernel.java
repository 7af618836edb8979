package io.flinkrnn.kernel.nd4j;

import io.flinkrnn.engine.ops.Kernel;
import io.flinkrnn.engine.ops.Matrix;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link Kernel} on ND4J's SGEMM (OpenBLAS, or cuBLAS with ND4J's CUDA backend on the classpath
 * instead of {@code nd4j-native}), in its own module so that ND4J's natives never reach the engine's
 * dependencies. Its sums run in BLAS's order, not the Java kernel's, so its outputs equal Keras's
 * within the parity tolerance but not the Java kernel's bit for bit. Rows are gathered into an off-heap {@code [rows, k]} matrix,
 * multiplied by the packed {@code [k, n]} weights with one {@code gemm}, and scattered back: the
 * copies are part of what a Java caller pays, so they are part of what is measured.
 */
public final class Nd4jKernel implements Kernel {

    private record Packed(INDArray w, int rows, int cols) implements Matrix {}

    @Override
    public Matrix pack(float[] data, int rows, int cols, int from, int to) {
        int width = to - from;
        return new Packed(
                Nd4j.create(Kernel.columns(data, rows, cols, from, to), new long[] {rows, width}, 'c'), rows, width);
    }

    @Override
    public void multiply(
            int rows,
            float[] x,
            int xOffset,
            int xStride,
            Matrix w,
            float[] out,
            int outOffset,
            int outStride,
            boolean accumulate) {
        Packed m = (Packed) w;
        int k = m.rows;
        int n = m.cols;
        float[] xs = new float[rows * k];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(x, xOffset + r * xStride, xs, r * k, k);
        }
        INDArray a = Nd4j.create(xs, new long[] {rows, k}, 'c');
        INDArray c = Nd4j.create(DataType.FLOAT, new long[] {rows, n}, 'c');
        Nd4j.gemm(a, m.w, c, false, false, 1.0, 0.0);
        float[] y = c.data().asFloat();
        for (int r = 0; r < rows; r++) {
            int o = outOffset + r * outStride;
            if (accumulate) {
                for (int j = 0; j < n; j++) {
                    out[o + j] += y[r * n + j];
                }
            } else {
                System.arraycopy(y, r * n, out, o, n);
            }
        }
    }
}
