package io.flinkrnn.engine.ops;

import java.util.Arrays;

/**
 * The plain-Java {@link Kernel}. Keras's {@code (input_dim, units)} row-major layout is already the
 * one an {@code out[r] += x[r][i] * w[i]} loop wants: the innermost loop runs over contiguous output
 * columns and a contiguous weight row, which HotSpot's C2 turns into SIMD code. Four batch rows
 * share each weight row load, so a batch streams the weights a quarter as often as row by row.
 * Products are fused multiply-adds, as in the Eigen kernels TensorFlow runs on an FMA CPU; on float
 * that is an intrinsic C2 vectorizes, and exact in double arithmetic elsewhere.
 */
public final class JavaKernel implements Kernel {

    public static final JavaKernel INSTANCE = new JavaKernel();

    private JavaKernel() {}

    private record Packed(float[] data, int rows, int cols) implements Matrix {}

    @Override
    public Matrix pack(float[] data, int rows, int cols, int from, int to) {
        if (from < 0 || to > cols || from >= to || (long) rows * cols != data.length) {
            throw new IllegalArgumentException(
                    "columns [" + from + ", " + to + ") of a " + rows + "x" + cols + " matrix of " + data.length);
        }
        int width = to - from;
        float[] packed = new float[rows * width];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(data, i * cols + from, packed, i * width, width);
        }
        return new Packed(packed, rows, width);
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
        int n = m.cols;
        if (!accumulate) {
            for (int r = 0; r < rows; r++) {
                int o = outOffset + r * outStride;
                Arrays.fill(out, o, o + n, 0f);
            }
        }
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            multiplyFour(x, xOffset + r * xStride, xStride, m, out, outOffset + r * outStride, outStride);
        }
        for (; r < rows; r++) {
            multiplyOne(x, xOffset + r * xStride, m, out, outOffset + r * outStride);
        }
    }

    private static void multiplyOne(float[] x, int xo, Packed m, float[] out, int oo) {
        float[] w = m.data;
        int n = m.cols;
        for (int i = 0; i < m.rows; i++) {
            float a = x[xo + i];
            int wo = i * n;
            for (int j = 0; j < n; j++) {
                out[oo + j] = Math.fma(a, w[wo + j], out[oo + j]);
            }
        }
    }

    private static void multiplyFour(float[] x, int xo, int xs, Packed m, float[] out, int oo, int os) {
        float[] w = m.data;
        int n = m.cols;
        int o1 = oo + os;
        int o2 = o1 + os;
        int o3 = o2 + os;
        for (int i = 0; i < m.rows; i++) {
            float a0 = x[xo + i];
            float a1 = x[xo + xs + i];
            float a2 = x[xo + 2 * xs + i];
            float a3 = x[xo + 3 * xs + i];
            int wo = i * n;
            for (int j = 0; j < n; j++) {
                float v = w[wo + j];
                out[oo + j] = Math.fma(a0, v, out[oo + j]);
                out[o1 + j] = Math.fma(a1, v, out[o1 + j]);
                out[o2 + j] = Math.fma(a2, v, out[o2 + j]);
                out[o3 + j] = Math.fma(a3, v, out[o3 + j]);
            }
        }
    }
}
