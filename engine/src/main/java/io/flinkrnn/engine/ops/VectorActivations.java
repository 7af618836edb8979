package io.flinkrnn.engine.ops;

import io.flinkrnn.engine.ops.FloatExp.Exp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The recurrent cells' sigmoid and tanh on the incubating Vector API, used only when the JVM loads
 * it. A recurrent step spends as much time in these as in its matrix products once those are
 * vectorized. Each lane runs {@link FloatExp}'s operations in {@link FloatExp}'s order, so a value
 * gets the same bits here as on the scalar path that finishes the tail or runs without the module:
 * which elements fall into whole vectors depends on the batch, and must not change a result. Each
 * method covers whole vectors and returns where it stopped: the caller finishes the tail.
 */
final class VectorActivations {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final FloatVector TWO = FloatVector.broadcast(S, 2f);
    private static final FloatVector ROUND = FloatVector.broadcast(S, FloatExp.ROUND);
    private static final IntVector MAGNITUDE = IntVector.broadcast(I, FloatExp.MAGNITUDE);
    private static final IntVector SIGN = IntVector.broadcast(I, FloatExp.SIGN);
    private static final IntVector BIAS = IntVector.broadcast(I, FloatExp.BIAS);
    private static final Lanes SIGMOID = new Lanes(FloatExp.SIGMOID);
    private static final Lanes TANH = new Lanes(FloatExp.TANH);
    private static final Lanes LSTM_SIGMOID = new Lanes(FloatExp.LSTM_SIGMOID);
    private static final Lanes LSTM_TANH = new Lanes(FloatExp.LSTM_TANH);

    /**
     * An {@link Exp}'s constants as vectors: broadcasting a scalar operand inside the loops is not
     * always hoisted. A record, as C2 trusts its final fields: held in a static final, they fold to
     * constants.
     */
    private record Lanes(
            IntVector limitBits,
            FloatVector log2e,
            FloatVector minusLn2,
            FloatVector d0,
            FloatVector d1,
            FloatVector d2,
            FloatVector d3,
            FloatVector d4,
            FloatVector d5) {

        Lanes(Exp e) {
            this(
                    IntVector.broadcast(I, e.limitBits()),
                    FloatVector.broadcast(S, e.log2e()),
                    FloatVector.broadcast(S, e.minusLn2()),
                    FloatVector.broadcast(S, e.d0()),
                    FloatVector.broadcast(S, e.d1()),
                    FloatVector.broadcast(S, e.d2()),
                    FloatVector.broadcast(S, e.d3()),
                    FloatVector.broadcast(S, e.d4()),
                    FloatVector.broadcast(S, e.d5()));
        }
    }

    private VectorActivations() {}

    /** {@code 1 / (exp(-x) + 1)} in place over whole vectors from {@code from}. */
    static int sigmoid(float[] a, int from, int to) {
        int end = from + S.loopBound(to - from);
        exp(a, from, 0, 1, end - from, null, 0, SIGMOID);
        for (int i = from; i < end; i += L) {
            ONE.div(FloatVector.fromArray(S, a, i).add(ONE)).intoArray(a, i);
        }
        return end;
    }

    /** {@code 1 - 2 / (exp(2x) + 1)} in place over whole vectors from {@code from}; ±1 where exp overflows. */
    static int tanh(float[] a, int from, int to) {
        int end = from + S.loopBound(to - from);
        exp(a, from, 0, 1, end - from, null, 0, TANH);
        for (int i = from; i < end; i += L) {
            ONE.sub(TWO.div(FloatVector.fromArray(S, a, i).add(ONE))).intoArray(a, i);
        }
        return end;
    }

    /**
     * The sigmoid/tanh LSTM update of {@code rows} keys ({@link Activations#lstm}) over the whole
     * vectors of their {@code units}, with {@link FloatExp#lstmCell} and {@link
     * FloatExp#lstmOutput}'s operations in their order. Each pass covers one gate of every row (i and
     * f together when units are whole vectors), so a tile takes five or six loops whatever its size,
     * where one call per row and gate made a 32-unit layer's loops two iterations long. Every exp
     * runs inside the one loop method that holds exp's vectors,
     * and vectors never cross a call that C2 might not inline: a vector passed to a call that is not
     * inlined is boxed on the heap, several times slower. The gates' exps overwrite their z slots; c'
     * and then its exp go through g's slot.
     */
    static int lstm(
            float[] z, int zOffset, int rows, float[] bias, int units, float[] c, int cOffset, float[] h, int hOffset) {
        int end = S.loopBound(units);
        int n = 4 * units;
        int zf = zOffset + units;
        int zc = zf + units;
        int zo = zc + units;
        if (end == units) {
            // i and f side by side, both sigmoids: one pass twice as wide.
            exp(z, zOffset, n, rows, 2 * units, bias, 0, LSTM_SIGMOID);
        } else {
            exp(z, zOffset, n, rows, end, bias, 0, LSTM_SIGMOID);
            exp(z, zf, n, rows, end, bias, units, LSTM_SIGMOID);
        }
        exp(z, zc, n, rows, end, bias, 2 * units, LSTM_TANH);
        exp(z, zo, n, rows, end, bias, 3 * units, LSTM_SIGMOID);
        for (int r = 0, zr = 0, cr = cOffset; r < rows; r++, zr += n, cr += units) {
            for (int j = 0; j < end; j += L) {
                FloatVector ei = FloatVector.fromArray(S, z, zOffset + zr + j);
                FloatVector ef = FloatVector.fromArray(S, z, zf + zr + j);
                FloatVector eg = FloatVector.fromArray(S, z, zc + zr + j);
                FloatVector cNew = FloatVector.fromArray(S, c, cr + j)
                        .div(ef.add(ONE))
                        .add(eg.sub(ONE).div(ei.add(ONE).mul(eg.add(ONE))));
                cNew.intoArray(c, cr + j);
                cNew.intoArray(z, zc + zr + j);
            }
        }
        exp(z, zc, n, rows, end, null, 0, LSTM_TANH);
        for (int r = 0, zr = 0, hr = hOffset; r < rows; r++, zr += n, hr += units) {
            for (int j = 0; j < end; j += L) {
                FloatVector eo = FloatVector.fromArray(S, z, zo + zr + j);
                FloatVector ec = FloatVector.fromArray(S, z, zc + zr + j);
                ec.sub(ONE).div(eo.add(ONE).mul(ec.add(ONE))).intoArray(h, hr + j);
            }
        }
        return end;
    }

    /**
     * {@code a[i] = exp(k * (a[i] + bias[b + j]))} (no bias when it is null) in place for the
     * elements {@code i = at + r * stride + j}, {@code r < rows}, {@code j < width} (whole vectors):
     * {@link Exp#apply}, lane by lane, operation for operation. The only method that holds the exp's
     * vectors, all in one loop body, so no vector ever crosses a call.
     */
    private static void exp(float[] a, int at, int stride, int rows, int width, float[] bias, int b, Lanes e) {
        for (int r = 0, row = at; r < rows; r++, row += stride) {
            for (int j = 0; j < width; j += L) {
                FloatVector v = FloatVector.fromArray(S, a, row + j);
                FloatVector x = bias == null ? v : v.add(FloatVector.fromArray(S, bias, b + j));
                IntVector xBits = (IntVector) x.viewAsIntegralLanes();
                FloatVector u = (FloatVector) xBits.and(MAGNITUDE)
                        .min(e.limitBits)
                        .or(xBits.and(SIGN))
                        .viewAsFloatingLanes();
                FloatVector shifted = u.fma(e.log2e, ROUND);
                FloatVector n = shifted.sub(ROUND);
                FloatVector s = n.fma(e.minusLn2, u);
                FloatVector s2 = s.mul(s);
                FloatVector p = s2.fma(s2.fma(s.fma(e.d5, e.d4), s.fma(e.d3, e.d2)), s.fma(e.d1, e.d0));
                IntVector bits = (IntVector) shifted.viewAsIntegralLanes();
                FloatVector scale = (FloatVector) bits.add(BIAS)
                        .lanewise(VectorOperators.LSHL, FloatExp.MANTISSA_BITS)
                        .viewAsFloatingLanes();
                p.mul(scale).intoArray(a, row + j);
            }
        }
    }
}
