package io.flinkrnn.engine.ops;

import java.util.Arrays;

/**
 * The {@link Kernel} in Java, with two paths that give bit-identical results:
 *
 * <ul>
 *   <li><b>vectorized</b> ({@link VectorMath}), when the JVM runs with {@code --add-modules
 *       jdk.incubator.vector}: a register-blocked microkernel, 6 keys by a panel of SIMD vectors of
 *       output columns sized to the CPU's register file, held in registers over the whole input
 *       dimension, so each weight load feeds 6 keys.
 *       On a TaskManager add the flag to {@code env.java.opts.taskmanager}.
 *   <li><b>scalar</b> loops otherwise, which C2 auto-vectorizes only partly: Keras's {@code
 *       (input_dim, units)} row-major layout is the one an {@code out[r] += x[r][i] * w[i]} loop
 *       wants, and four batch rows share each weight row load.
 * </ul>
 *
 * The system property {@code flinkrnn.kernel=scalar} forces the scalar path. BENCHMARKS.md has the
 * measured rates of both. Products are fused multiply-adds, as in the Eigen kernels TensorFlow runs
 * on an FMA CPU, accumulated over the input dimension in order, on both paths.
 */
public final class JavaKernel implements Kernel {

    private static final boolean VECTOR_AVAILABLE = VectorModule.present();

    /** The fastest path this JVM can run: vectorized when the incubator module is loaded. */
    public static final JavaKernel INSTANCE =
            new JavaKernel(VECTOR_AVAILABLE && !"scalar".equals(System.getProperty("flinkrnn.kernel")));

    /** The scalar loops only, whatever the JVM offers (benchmarks and tests compare against it). */
    public static final JavaKernel SCALAR = new JavaKernel(false);

    private final boolean vector;

    private JavaKernel(boolean vector) {
        this.vector = vector;
    }

    /** Whether this instance runs the Vector API path. */
    public boolean vectorized() {
        return vector;
    }

    /** Floats per SIMD vector of the vectorized path, or 1 when it is not available. */
    public static int lanes() {
        return VECTOR_AVAILABLE ? VectorMath.lanes() : 1;
    }

    /**
     * Output columns of the vectorized path's register block ({@link VectorMath#PANEL} vectors), or 1
     * when it is not available: the width at which a product runs one block per 6 keys.
     */
    public static int blockColumns() {
        return VECTOR_AVAILABLE ? VectorMath.PANEL * VectorMath.lanes() : 1;
    }

    /**
     * Keras's row-major layout for the scalar loops and, where the JVM has the Vector API, the
     * vectorized path's panels ({@link VectorMath#panels}) too: whichever instance packed it, any
     * instance can multiply it.
     */
    private record Packed(float[] data, float[] panels, int panelsAt, int rows, int cols) implements Matrix {}

    @Override
    public Matrix pack(float[] data, int rows, int cols, int from, int to) {
        float[] columns = Kernel.columns(data, rows, cols, from, to);
        int width = to - from;
        return new Packed(columns, VECTOR_AVAILABLE ? VectorMath.panels(columns, rows, width) : null, 0, rows, width);
    }

    /**
     * {@code packed} with its vectorized path's panels copied into {@code into} from index {@code at}.
     * Where in a cache line the weights start sets how many of the 64-byte loads span two lines, and
     * a JVM puts an array's data wherever the allocator left off: the bench times the product at each
     * placement this way. Without the vectorized path, {@code packed} itself.
     */
    public Matrix withPanelsAt(Matrix packed, float[] into, int at) {
        Packed m = (Packed) packed;
        if (m.panels == null) {
            return m;
        }
        System.arraycopy(m.panels, m.panelsAt, into, at, m.rows * (m.cols - m.cols % VectorMath.lanes()));
        return new Packed(m.data, into, at, m.rows, m.cols);
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
        if (vector) {
            VectorMath.multiply(
                    rows,
                    x,
                    xOffset,
                    xStride,
                    m.panels,
                    m.panelsAt,
                    m.data,
                    m.rows,
                    m.cols,
                    out,
                    outOffset,
                    outStride,
                    accumulate);
            return;
        }
        scalarColumns(
                rows, x, xOffset, xStride, m.data, m.rows, m.cols, 0, m.cols, out, outOffset, outStride, accumulate);
    }

    /**
     * Columns {@code [from, to)} of {@code rows} rows: {@code out (+)= x·w}, four rows at a time, so
     * that four independent chains of fused multiply-adds hide each one's latency (a Dense(1) head
     * has one column: a single chain per key would wait on every add).
     */
    static void scalarColumns(
            int rows,
            float[] x,
            int xo,
            int xs,
            float[] w,
            int k,
            int n,
            int from,
            int to,
            float[] out,
            int oo,
            int os,
            boolean accumulate) {
        if (!accumulate) {
            for (int r = 0; r < rows; r++) {
                Arrays.fill(out, oo + r * os + from, oo + r * os + to, 0f);
            }
        }
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            columnsOfFour(x, xo + r * xs, xs, w, k, n, from, to, out, oo + r * os, os);
        }
        for (; r < rows; r++) {
            columnsOfOne(x, xo + r * xs, w, k, n, from, to, out, oo + r * os);
        }
    }

    /** Columns {@code [from, to)} of one row: {@code out += x·w}, over the input dimension in order. */
    private static void columnsOfOne(
            float[] x, int xo, float[] w, int k, int n, int from, int to, float[] out, int oo) {
        for (int i = 0; i < k; i++) {
            float a = x[xo + i];
            int wo = i * n;
            for (int j = from; j < to; j++) {
                out[oo + j] = Math.fma(a, w[wo + j], out[oo + j]);
            }
        }
    }

    private static void columnsOfFour(
            float[] x, int xo, int xs, float[] w, int k, int n, int from, int to, float[] out, int oo, int os) {
        int o1 = oo + os;
        int o2 = o1 + os;
        int o3 = o2 + os;
        for (int i = 0; i < k; i++) {
            float a0 = x[xo + i];
            float a1 = x[xo + xs + i];
            float a2 = x[xo + 2 * xs + i];
            float a3 = x[xo + 3 * xs + i];
            int wo = i * n;
            for (int j = from; j < to; j++) {
                float v = w[wo + j];
                out[oo + j] = Math.fma(a0, v, out[oo + j]);
                out[o1 + j] = Math.fma(a1, v, out[o1 + j]);
                out[o2 + j] = Math.fma(a2, v, out[o2 + j]);
                out[o3 + j] = Math.fma(a3, v, out[o3 + j]);
            }
        }
    }
}
