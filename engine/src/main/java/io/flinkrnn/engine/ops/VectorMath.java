package io.flinkrnn.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link JavaKernel}'s register-blocked multiply on the incubating Vector API, used only when the
 * JVM runs with {@code --add-modules jdk.incubator.vector} (see {@link JavaKernel#vectorized()}).
 *
 * <p>A block is 6 batch rows (keys) by a panel of {@link #PANEL} vectors of output columns, whose
 * accumulators stay in registers over the input dimension (in passes of {@link #DEPTH} with 4-vector
 * panels): each weight vector loaded feeds 6 keys, each input value broadcast feeds the panel. The
 * panel's width follows the register file the CPU gives the preferred vector shape: 4 vectors where
 * vectors are 512 bits (AVX-512's 32 registers hold 24 accumulators, 4 weights and a broadcast), 2
 * where they are narrower (AVX2's or NEON's 16 hold 12, 2 and 1); wider blocks would spill to the
 * stack inside the loop. Rows left over go 4 and then 1 at a time, and columns left over one vector
 * at a time.
 *
 * <p>Weights are laid out once ({@link #panels}) in the order this loop reads them: each panel's
 * rows one after the other, so a block streams one contiguous run of memory instead of striding
 * over Keras's whole row width per input.
 *
 * <p>A 4-vector block holds 29 of the 32 vector registers, and all but a few general ones, so
 * how C2 allocates them decides its speed: in some JVMs of the same program it kept the loop in
 * registers, in others it spilled inside it, 20-30% slower (bench {@code block}, run to run). Two
 * things made every JVM compile the fast loop: the weights' index is computed from the loop
 * counter rather than kept as a second induction variable, so C2 moves the Vector API's bounds
 * checks out of the loop and needs neither register, and the depth is walked in passes of
 * {@link #DEPTH} inputs.
 *
 * <p>Every output element is the same chain of fused multiply-adds, in the same order over the
 * input dimension, as the scalar loops compute, whatever the block it falls into: the two paths,
 * and any two vector widths, give bit-identical results.
 */
final class VectorMath {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Vectors per panel: 4 with 512-bit vectors (32 registers), else 2 (16 registers). */
    static final int PANEL = S.vectorBitSize() >= 512 ? 4 : 2;
    /**
     * Inputs per pass over a 4-vector panel: 64 rows of 64 floats, 16 KB of weights, which stay in
     * L1 (32 KB or more) while every row block reads them.
     */
    static final int DEPTH = 64;

    private VectorMath() {}

    static int lanes() {
        return L;
    }

    /**
     * The vector columns ({@code n} rounded down to whole vectors) of a row-major {@code (k, n)}
     * matrix as panels: columns {@code [j, j + width)} of every row, row after row, starting at
     * {@code j * k}, where the width is {@link #PANEL} vectors while whole panels fit and one vector
     * after that, as {@link #multiply} walks them.
     */
    static float[] panels(float[] w, int k, int n) {
        int vectorCols = n - n % L;
        float[] panels = new float[k * vectorCols];
        for (int j = 0; j < vectorCols; ) {
            int width = j + PANEL * L <= vectorCols ? PANEL * L : L;
            for (int i = 0; i < k; i++) {
                System.arraycopy(w, i * n + j, panels, j * k + i * width, width);
            }
            j += width;
        }
        return panels;
    }

    /**
     * {@code out (+)= x·w} as {@link Kernel#multiply}, with {@code w} both row-major (for the
     * columns past the last whole vector) and as {@link #panels}, starting at {@code panels[po]}.
     */
    static void multiply(
            int rows,
            float[] x,
            int xo,
            int xs,
            float[] panels,
            int po,
            float[] w,
            int k,
            int n,
            float[] out,
            int oo,
            int os,
            boolean accumulate) {
        int vectorCols = n - n % L;
        int width = PANEL * L;
        int j = 0;
        for (; j + width <= vectorCols; j += width) {
            // 4-vector panels go through the inputs DEPTH at a time, each pass continuing the sums
            // the last one stored, so that a panel's slice of weights stays in L1 over all the row
            // blocks. 2-vector panels take the whole depth and keep their loops as they were: held
            // to AVX2, the same two changes made their block slower (BENCHMARKS.md, AVX2 row). At
            // least one pass runs, so that a product over no inputs still writes its zeros.
            int depth = PANEL == 4 ? DEPTH : k;
            int from = 0;
            do {
                int span = Math.min(depth, k - from);
                int wo = po + j * k + from * width;
                boolean acc = accumulate || from > 0;
                int r = 0;
                for (; r + 6 <= rows; r += 6) {
                    if (PANEL == 4) {
                        rows6cols4(x, xo + r * xs + from, xs, panels, wo, span, out, oo + r * os, os, j, acc);
                    } else {
                        rows6cols2(x, xo + r * xs + from, xs, panels, wo, span, out, oo + r * os, os, j, acc);
                    }
                }
                for (; r + 4 <= rows; r += 4) {
                    if (PANEL == 4) {
                        rows4cols4(x, xo + r * xs + from, xs, panels, wo, span, out, oo + r * os, os, j, acc);
                    } else {
                        rows4cols2(x, xo + r * xs + from, xs, panels, wo, span, out, oo + r * os, os, j, acc);
                    }
                }
                for (; r < rows; r++) {
                    if (PANEL == 4) {
                        rows1cols4(x, xo + r * xs + from, xs, panels, wo, span, out, oo + r * os, os, j, acc);
                    } else {
                        rows1cols2(x, xo + r * xs + from, xs, panels, wo, span, out, oo + r * os, os, j, acc);
                    }
                }
                from += depth;
            } while (from < k);
        }
        for (; j < vectorCols; j += L) {
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                rows4cols1(x, xo + r * xs, xs, panels, po + j * k, k, out, oo + r * os, os, j, accumulate);
            }
            for (; r < rows; r++) {
                rows1cols1(x, xo + r * xs, xs, panels, po + j * k, k, out, oo + r * os, os, j, accumulate);
            }
        }
        if (vectorCols < n) {
            JavaKernel.scalarColumns(rows, x, xo, xs, w, k, n, vectorCols, n, out, oo, os, accumulate);
        }
    }

    private static FloatVector start(float[] out, int at, boolean accumulate) {
        return accumulate ? FloatVector.fromArray(S, out, at) : FloatVector.zero(S);
    }

    private static void rows6cols4(
            float[] x, int xo, int xs, float[] w, int wo, int k, float[] out, int oo, int os, int j, boolean acc) {
        int x1 = xo + xs;
        int x2 = x1 + xs;
        int x3 = x2 + xs;
        int x4 = x3 + xs;
        int x5 = x4 + xs;
        int o1 = oo + os;
        int o2 = o1 + os;
        int o3 = o2 + os;
        int o4 = o3 + os;
        int o5 = o4 + os;
        FloatVector a00 = start(out, oo + j, acc);
        FloatVector a01 = start(out, oo + j + L, acc);
        FloatVector a02 = start(out, oo + j + 2 * L, acc);
        FloatVector a03 = start(out, oo + j + 3 * L, acc);
        FloatVector a10 = start(out, o1 + j, acc);
        FloatVector a11 = start(out, o1 + j + L, acc);
        FloatVector a12 = start(out, o1 + j + 2 * L, acc);
        FloatVector a13 = start(out, o1 + j + 3 * L, acc);
        FloatVector a20 = start(out, o2 + j, acc);
        FloatVector a21 = start(out, o2 + j + L, acc);
        FloatVector a22 = start(out, o2 + j + 2 * L, acc);
        FloatVector a23 = start(out, o2 + j + 3 * L, acc);
        FloatVector a30 = start(out, o3 + j, acc);
        FloatVector a31 = start(out, o3 + j + L, acc);
        FloatVector a32 = start(out, o3 + j + 2 * L, acc);
        FloatVector a33 = start(out, o3 + j + 3 * L, acc);
        FloatVector a40 = start(out, o4 + j, acc);
        FloatVector a41 = start(out, o4 + j + L, acc);
        FloatVector a42 = start(out, o4 + j + 2 * L, acc);
        FloatVector a43 = start(out, o4 + j + 3 * L, acc);
        FloatVector a50 = start(out, o5 + j, acc);
        FloatVector a51 = start(out, o5 + j + L, acc);
        FloatVector a52 = start(out, o5 + j + 2 * L, acc);
        FloatVector a53 = start(out, o5 + j + 3 * L, acc);
        for (int i = 0; i < k; i++) {
            int at = wo + i * (4 * L);
            FloatVector w0 = FloatVector.fromArray(S, w, at);
            FloatVector w1 = FloatVector.fromArray(S, w, at + L);
            FloatVector w2 = FloatVector.fromArray(S, w, at + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, w, at + 3 * L);
            FloatVector b = FloatVector.broadcast(S, x[xo + i]);
            a00 = w0.fma(b, a00);
            a01 = w1.fma(b, a01);
            a02 = w2.fma(b, a02);
            a03 = w3.fma(b, a03);
            b = FloatVector.broadcast(S, x[x1 + i]);
            a10 = w0.fma(b, a10);
            a11 = w1.fma(b, a11);
            a12 = w2.fma(b, a12);
            a13 = w3.fma(b, a13);
            b = FloatVector.broadcast(S, x[x2 + i]);
            a20 = w0.fma(b, a20);
            a21 = w1.fma(b, a21);
            a22 = w2.fma(b, a22);
            a23 = w3.fma(b, a23);
            b = FloatVector.broadcast(S, x[x3 + i]);
            a30 = w0.fma(b, a30);
            a31 = w1.fma(b, a31);
            a32 = w2.fma(b, a32);
            a33 = w3.fma(b, a33);
            b = FloatVector.broadcast(S, x[x4 + i]);
            a40 = w0.fma(b, a40);
            a41 = w1.fma(b, a41);
            a42 = w2.fma(b, a42);
            a43 = w3.fma(b, a43);
            b = FloatVector.broadcast(S, x[x5 + i]);
            a50 = w0.fma(b, a50);
            a51 = w1.fma(b, a51);
            a52 = w2.fma(b, a52);
            a53 = w3.fma(b, a53);
        }
        a00.intoArray(out, oo + j);
        a01.intoArray(out, oo + j + L);
        a02.intoArray(out, oo + j + 2 * L);
        a03.intoArray(out, oo + j + 3 * L);
        a10.intoArray(out, o1 + j);
        a11.intoArray(out, o1 + j + L);
        a12.intoArray(out, o1 + j + 2 * L);
        a13.intoArray(out, o1 + j + 3 * L);
        a20.intoArray(out, o2 + j);
        a21.intoArray(out, o2 + j + L);
        a22.intoArray(out, o2 + j + 2 * L);
        a23.intoArray(out, o2 + j + 3 * L);
        a30.intoArray(out, o3 + j);
        a31.intoArray(out, o3 + j + L);
        a32.intoArray(out, o3 + j + 2 * L);
        a33.intoArray(out, o3 + j + 3 * L);
        a40.intoArray(out, o4 + j);
        a41.intoArray(out, o4 + j + L);
        a42.intoArray(out, o4 + j + 2 * L);
        a43.intoArray(out, o4 + j + 3 * L);
        a50.intoArray(out, o5 + j);
        a51.intoArray(out, o5 + j + L);
        a52.intoArray(out, o5 + j + 2 * L);
        a53.intoArray(out, o5 + j + 3 * L);
    }

    private static void rows4cols4(
            float[] x, int xo, int xs, float[] w, int wo, int k, float[] out, int oo, int os, int j, boolean acc) {
        int x1 = xo + xs;
        int x2 = x1 + xs;
        int x3 = x2 + xs;
        int o1 = oo + os;
        int o2 = o1 + os;
        int o3 = o2 + os;
        FloatVector a00 = start(out, oo + j, acc);
        FloatVector a01 = start(out, oo + j + L, acc);
        FloatVector a02 = start(out, oo + j + 2 * L, acc);
        FloatVector a03 = start(out, oo + j + 3 * L, acc);
        FloatVector a10 = start(out, o1 + j, acc);
        FloatVector a11 = start(out, o1 + j + L, acc);
        FloatVector a12 = start(out, o1 + j + 2 * L, acc);
        FloatVector a13 = start(out, o1 + j + 3 * L, acc);
        FloatVector a20 = start(out, o2 + j, acc);
        FloatVector a21 = start(out, o2 + j + L, acc);
        FloatVector a22 = start(out, o2 + j + 2 * L, acc);
        FloatVector a23 = start(out, o2 + j + 3 * L, acc);
        FloatVector a30 = start(out, o3 + j, acc);
        FloatVector a31 = start(out, o3 + j + L, acc);
        FloatVector a32 = start(out, o3 + j + 2 * L, acc);
        FloatVector a33 = start(out, o3 + j + 3 * L, acc);
        for (int i = 0; i < k; i++) {
            int at = wo + i * (4 * L);
            FloatVector w0 = FloatVector.fromArray(S, w, at);
            FloatVector w1 = FloatVector.fromArray(S, w, at + L);
            FloatVector w2 = FloatVector.fromArray(S, w, at + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, w, at + 3 * L);
            FloatVector b = FloatVector.broadcast(S, x[xo + i]);
            a00 = w0.fma(b, a00);
            a01 = w1.fma(b, a01);
            a02 = w2.fma(b, a02);
            a03 = w3.fma(b, a03);
            b = FloatVector.broadcast(S, x[x1 + i]);
            a10 = w0.fma(b, a10);
            a11 = w1.fma(b, a11);
            a12 = w2.fma(b, a12);
            a13 = w3.fma(b, a13);
            b = FloatVector.broadcast(S, x[x2 + i]);
            a20 = w0.fma(b, a20);
            a21 = w1.fma(b, a21);
            a22 = w2.fma(b, a22);
            a23 = w3.fma(b, a23);
            b = FloatVector.broadcast(S, x[x3 + i]);
            a30 = w0.fma(b, a30);
            a31 = w1.fma(b, a31);
            a32 = w2.fma(b, a32);
            a33 = w3.fma(b, a33);
        }
        a00.intoArray(out, oo + j);
        a01.intoArray(out, oo + j + L);
        a02.intoArray(out, oo + j + 2 * L);
        a03.intoArray(out, oo + j + 3 * L);
        a10.intoArray(out, o1 + j);
        a11.intoArray(out, o1 + j + L);
        a12.intoArray(out, o1 + j + 2 * L);
        a13.intoArray(out, o1 + j + 3 * L);
        a20.intoArray(out, o2 + j);
        a21.intoArray(out, o2 + j + L);
        a22.intoArray(out, o2 + j + 2 * L);
        a23.intoArray(out, o2 + j + 3 * L);
        a30.intoArray(out, o3 + j);
        a31.intoArray(out, o3 + j + L);
        a32.intoArray(out, o3 + j + 2 * L);
        a33.intoArray(out, o3 + j + 3 * L);
    }

    private static void rows1cols4(
            float[] x, int xo, int xs, float[] w, int wo, int k, float[] out, int oo, int os, int j, boolean acc) {
        FloatVector a00 = start(out, oo + j, acc);
        FloatVector a01 = start(out, oo + j + L, acc);
        FloatVector a02 = start(out, oo + j + 2 * L, acc);
        FloatVector a03 = start(out, oo + j + 3 * L, acc);
        for (int i = 0; i < k; i++) {
            int at = wo + i * (4 * L);
            FloatVector w0 = FloatVector.fromArray(S, w, at);
            FloatVector w1 = FloatVector.fromArray(S, w, at + L);
            FloatVector w2 = FloatVector.fromArray(S, w, at + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, w, at + 3 * L);
            FloatVector b = FloatVector.broadcast(S, x[xo + i]);
            a00 = w0.fma(b, a00);
            a01 = w1.fma(b, a01);
            a02 = w2.fma(b, a02);
            a03 = w3.fma(b, a03);
        }
        a00.intoArray(out, oo + j);
        a01.intoArray(out, oo + j + L);
        a02.intoArray(out, oo + j + 2 * L);
        a03.intoArray(out, oo + j + 3 * L);
    }

    private static void rows6cols2(
            float[] x, int xo, int xs, float[] w, int wo, int k, float[] out, int oo, int os, int j, boolean acc) {
        int x1 = xo + xs;
        int x2 = x1 + xs;
        int x3 = x2 + xs;
        int x4 = x3 + xs;
        int x5 = x4 + xs;
        int o1 = oo + os;
        int o2 = o1 + os;
        int o3 = o2 + os;
        int o4 = o3 + os;
        int o5 = o4 + os;
        FloatVector a00 = start(out, oo + j, acc);
        FloatVector a01 = start(out, oo + j + L, acc);
        FloatVector a10 = start(out, o1 + j, acc);
        FloatVector a11 = start(out, o1 + j + L, acc);
        FloatVector a20 = start(out, o2 + j, acc);
        FloatVector a21 = start(out, o2 + j + L, acc);
        FloatVector a30 = start(out, o3 + j, acc);
        FloatVector a31 = start(out, o3 + j + L, acc);
        FloatVector a40 = start(out, o4 + j, acc);
        FloatVector a41 = start(out, o4 + j + L, acc);
        FloatVector a50 = start(out, o5 + j, acc);
        FloatVector a51 = start(out, o5 + j + L, acc);
        for (int i = 0, at = wo; i < k; i++, at += 2 * L) {
            FloatVector w0 = FloatVector.fromArray(S, w, at);
            FloatVector w1 = FloatVector.fromArray(S, w, at + L);
            FloatVector b = FloatVector.broadcast(S, x[xo + i]);
            a00 = w0.fma(b, a00);
            a01 = w1.fma(b, a01);
            b = FloatVector.broadcast(S, x[x1 + i]);
            a10 = w0.fma(b, a10);
            a11 = w1.fma(b, a11);
            b = FloatVector.broadcast(S, x[x2 + i]);
            a20 = w0.fma(b, a20);
            a21 = w1.fma(b, a21);
            b = FloatVector.broadcast(S, x[x3 + i]);
            a30 = w0.fma(b, a30);
            a31 = w1.fma(b, a31);
            b = FloatVector.broadcast(S, x[x4 + i]);
            a40 = w0.fma(b, a40);
            a41 = w1.fma(b, a41);
            b = FloatVector.broadcast(S, x[x5 + i]);
            a50 = w0.fma(b, a50);
            a51 = w1.fma(b, a51);
        }
        a00.intoArray(out, oo + j);
        a01.intoArray(out, oo + j + L);
        a10.intoArray(out, o1 + j);
        a11.intoArray(out, o1 + j + L);
        a20.intoArray(out, o2 + j);
        a21.intoArray(out, o2 + j + L);
        a30.intoArray(out, o3 + j);
        a31.intoArray(out, o3 + j + L);
        a40.intoArray(out, o4 + j);
        a41.intoArray(out, o4 + j + L);
        a50.intoArray(out, o5 + j);
        a51.intoArray(out, o5 + j + L);
    }

    private static void rows4cols2(
            float[] x, int xo, int xs, float[] w, int wo, int k, float[] out, int oo, int os, int j, boolean acc) {
        int x1 = xo + xs;
        int x2 = x1 + xs;
        int x3 = x2 + xs;
        int o1 = oo + os;
        int o2 = o1 + os;
        int o3 = o2 + os;
        FloatVector a00 = start(out, oo + j, acc);
        FloatVector a01 = start(out, oo + j + L, acc);
        FloatVector a10 = start(out, o1 + j, acc);
        FloatVector a11 = start(out, o1 + j + L, acc);
        FloatVector a20 = start(out, o2 + j, acc);
        FloatVector a21 = start(out, o2 + j + L, acc);
        FloatVector a30 = start(out, o3 + j, acc);
        FloatVector a31 = start(out, o3 + j + L, acc);
        for (int i = 0, at = wo; i < k; i++, at += 2 * L) {
            FloatVector w0 = FloatVector.fromArray(S, w, at);
            FloatVector w1 = FloatVector.fromArray(S, w, at + L);
            FloatVector b = FloatVector.broadcast(S, x[xo + i]);
            a00 = w0.fma(b, a00);
            a01 = w1.fma(b, a01);
            b = FloatVector.broadcast(S, x[x1 + i]);
            a10 = w0.fma(b, a10);
            a11 = w1.fma(b, a11);
            b = FloatVector.broadcast(S, x[x2 + i]);
            a20 = w0.fma(b, a20);
            a21 = w1.fma(b, a21);
            b = FloatVector.broadcast(S, x[x3 + i]);
            a30 = w0.fma(b, a30);
            a31 = w1.fma(b, a31);
        }
        a00.intoArray(out, oo + j);
        a01.intoArray(out, oo + j + L);
        a10.intoArray(out, o1 + j);
        a11.intoArray(out, o1 + j + L);
        a20.intoArray(out, o2 + j);
        a21.intoArray(out, o2 + j + L);
        a30.intoArray(out, o3 + j);
        a31.intoArray(out, o3 + j + L);
    }

    private static void rows1cols2(
            float[] x, int xo, int xs, float[] w, int wo, int k, float[] out, int oo, int os, int j, boolean acc) {
        FloatVector a00 = start(out, oo + j, acc);
        FloatVector a01 = start(out, oo + j + L, acc);
        for (int i = 0, at = wo; i < k; i++, at += 2 * L) {
            FloatVector w0 = FloatVector.fromArray(S, w, at);
            FloatVector w1 = FloatVector.fromArray(S, w, at + L);
            FloatVector b = FloatVector.broadcast(S, x[xo + i]);
            a00 = w0.fma(b, a00);
            a01 = w1.fma(b, a01);
        }
        a00.intoArray(out, oo + j);
        a01.intoArray(out, oo + j + L);
    }

    private static void rows4cols1(
            float[] x, int xo, int xs, float[] w, int wo, int k, float[] out, int oo, int os, int j, boolean acc) {
        int x1 = xo + xs;
        int x2 = x1 + xs;
        int x3 = x2 + xs;
        int o1 = oo + os;
        int o2 = o1 + os;
        int o3 = o2 + os;
        FloatVector a00 = start(out, oo + j, acc);
        FloatVector a10 = start(out, o1 + j, acc);
        FloatVector a20 = start(out, o2 + j, acc);
        FloatVector a30 = start(out, o3 + j, acc);
        for (int i = 0, at = wo; i < k; i++, at += L) {
            FloatVector w0 = FloatVector.fromArray(S, w, at);
            FloatVector b = FloatVector.broadcast(S, x[xo + i]);
            a00 = w0.fma(b, a00);
            b = FloatVector.broadcast(S, x[x1 + i]);
            a10 = w0.fma(b, a10);
            b = FloatVector.broadcast(S, x[x2 + i]);
            a20 = w0.fma(b, a20);
            b = FloatVector.broadcast(S, x[x3 + i]);
            a30 = w0.fma(b, a30);
        }
        a00.intoArray(out, oo + j);
        a10.intoArray(out, o1 + j);
        a20.intoArray(out, o2 + j);
        a30.intoArray(out, o3 + j);
    }

    private static void rows1cols1(
            float[] x, int xo, int xs, float[] w, int wo, int k, float[] out, int oo, int os, int j, boolean acc) {
        FloatVector a00 = start(out, oo + j, acc);
        for (int i = 0, at = wo; i < k; i++, at += L) {
            FloatVector w0 = FloatVector.fromArray(S, w, at);
            FloatVector b = FloatVector.broadcast(S, x[xo + i]);
            a00 = w0.fma(b, a00);
        }
        a00.intoArray(out, oo + j);
    }
}
