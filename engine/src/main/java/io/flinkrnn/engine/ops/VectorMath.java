package io.flinkrnn.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link JavaKernel}'s register-blocked multiply on the incubating Vector API, used only when the
 * JVM runs with {@code --add-modules jdk.incubator.vector} (see {@link JavaKernel#vectorized()}).
 *
 * <p>A block is 4 batch rows (keys) by 4 vectors of output columns: 16 accumulators stay in
 * registers over the whole input dimension, and each weight vector loaded feeds 4 keys, each input
 * value broadcast feeds 4 vectors. Column panels are the outer loop, so a panel of weights ({@code
 * inputs x 4 vectors}) is read from L1 by every row block of a large batch.
 *
 * <p>Every output element is the same chain of fused multiply-adds, in the same order over the
 * input dimension, as the scalar loops compute: the two paths give bit-identical results.
 */
final class VectorMath {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private VectorMath() {}

    static int lanes() {
        return L;
    }

    static void multiply(
            int rows,
            float[] x,
            int xo,
            int xs,
            float[] w,
            int k,
            int n,
            float[] out,
            int oo,
            int os,
            boolean accumulate) {
        int vectorCols = n - n % L;
        int j = 0;
        for (; j + 4 * L <= vectorCols; j += 4 * L) {
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                rows4cols4(x, xo + r * xs, xs, w, k, n, j, out, oo + r * os, os, accumulate);
            }
            for (; r < rows; r++) {
                rows1cols4(x, xo + r * xs, w, k, n, j, out, oo + r * os, accumulate);
            }
        }
        for (; j < vectorCols; j += L) {
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                rows4cols1(x, xo + r * xs, xs, w, k, n, j, out, oo + r * os, os, accumulate);
            }
            for (; r < rows; r++) {
                rows1cols1(x, xo + r * xs, w, k, n, j, out, oo + r * os, accumulate);
            }
        }
        if (vectorCols < n) {
            JavaKernel.scalarColumns(rows, x, xo, xs, w, k, n, vectorCols, n, out, oo, os, accumulate);
        }
    }

    private static FloatVector start(float[] out, int at, boolean accumulate) {
        return accumulate ? FloatVector.fromArray(S, out, at) : FloatVector.zero(S);
    }

    private static void rows4cols4(
            float[] x, int xo, int xs, float[] w, int k, int n, int j, float[] out, int oo, int os, boolean acc) {
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
        for (int i = 0, wo = j; i < k; i++, wo += n) {
            FloatVector w0 = FloatVector.fromArray(S, w, wo);
            FloatVector w1 = FloatVector.fromArray(S, w, wo + L);
            FloatVector w2 = FloatVector.fromArray(S, w, wo + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, w, wo + 3 * L);
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
            float[] x, int xo, float[] w, int k, int n, int j, float[] out, int oo, boolean acc) {
        FloatVector a0 = start(out, oo + j, acc);
        FloatVector a1 = start(out, oo + j + L, acc);
        FloatVector a2 = start(out, oo + j + 2 * L, acc);
        FloatVector a3 = start(out, oo + j + 3 * L, acc);
        for (int i = 0, wo = j; i < k; i++, wo += n) {
            FloatVector b = FloatVector.broadcast(S, x[xo + i]);
            a0 = FloatVector.fromArray(S, w, wo).fma(b, a0);
            a1 = FloatVector.fromArray(S, w, wo + L).fma(b, a1);
            a2 = FloatVector.fromArray(S, w, wo + 2 * L).fma(b, a2);
            a3 = FloatVector.fromArray(S, w, wo + 3 * L).fma(b, a3);
        }
        a0.intoArray(out, oo + j);
        a1.intoArray(out, oo + j + L);
        a2.intoArray(out, oo + j + 2 * L);
        a3.intoArray(out, oo + j + 3 * L);
    }

    private static void rows4cols1(
            float[] x, int xo, int xs, float[] w, int k, int n, int j, float[] out, int oo, int os, boolean acc) {
        int x1 = xo + xs;
        int x2 = x1 + xs;
        int x3 = x2 + xs;
        int o1 = oo + os;
        int o2 = o1 + os;
        int o3 = o2 + os;
        FloatVector a0 = start(out, oo + j, acc);
        FloatVector a1 = start(out, o1 + j, acc);
        FloatVector a2 = start(out, o2 + j, acc);
        FloatVector a3 = start(out, o3 + j, acc);
        for (int i = 0, wo = j; i < k; i++, wo += n) {
            FloatVector v = FloatVector.fromArray(S, w, wo);
            a0 = v.fma(FloatVector.broadcast(S, x[xo + i]), a0);
            a1 = v.fma(FloatVector.broadcast(S, x[x1 + i]), a1);
            a2 = v.fma(FloatVector.broadcast(S, x[x2 + i]), a2);
            a3 = v.fma(FloatVector.broadcast(S, x[x3 + i]), a3);
        }
        a0.intoArray(out, oo + j);
        a1.intoArray(out, o1 + j);
        a2.intoArray(out, o2 + j);
        a3.intoArray(out, o3 + j);
    }

    private static void rows1cols1(
            float[] x, int xo, float[] w, int k, int n, int j, float[] out, int oo, boolean acc) {
        FloatVector a = start(out, oo + j, acc);
        for (int i = 0, wo = j; i < k; i++, wo += n) {
            a = FloatVector.fromArray(S, w, wo).fma(FloatVector.broadcast(S, x[xo + i]), a);
        }
        a.intoArray(out, oo + j);
    }
}
