package io.flinkrnn.engine.ops;

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
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final FloatVector TWO = FloatVector.broadcast(S, 2f);
    private static final FloatVector MINUS_ONE = FloatVector.broadcast(S, -1f);
    // The exp's constants as vectors: broadcasting a scalar operand inside the loops is not always hoisted.
    private static final FloatVector LOG2E = FloatVector.broadcast(S, FloatExp.LOG2E);
    private static final FloatVector ROUND = FloatVector.broadcast(S, FloatExp.ROUND);
    private static final FloatVector C7 = FloatVector.broadcast(S, FloatExp.C7);
    private static final FloatVector C6 = FloatVector.broadcast(S, FloatExp.C6);
    private static final FloatVector C5 = FloatVector.broadcast(S, FloatExp.C5);
    private static final FloatVector C4 = FloatVector.broadcast(S, FloatExp.C4);
    private static final FloatVector C3 = FloatVector.broadcast(S, FloatExp.C3);
    private static final FloatVector C2 = FloatVector.broadcast(S, FloatExp.C2);
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final IntVector MAGNITUDE = IntVector.broadcast(I, FloatExp.MAGNITUDE);
    private static final IntVector LIMIT_BITS = IntVector.broadcast(I, FloatExp.LIMIT_BITS);
    private static final IntVector SIGN = IntVector.broadcast(I, FloatExp.SIGN);
    private static final IntVector BIAS = IntVector.broadcast(I, FloatExp.BIAS);
    private static final FloatVector MINUS_LN2_HI = FloatVector.broadcast(S, -FloatExp.LN2_HI);
    private static final FloatVector MINUS_LN2_LO = FloatVector.broadcast(S, -FloatExp.LN2_LO);

    private VectorActivations() {}

    /** {@code 1 / (1 + exp(-x))} in place over whole vectors from {@code from}. */
    static int sigmoid(float[] a, int from, int to) {
        return sigmoid(a, from, to, null, 0);
    }

    /** {@code 1 - 2 / (exp(2x) + 1)} in place over whole vectors from {@code from}; ±1 where exp overflows. */
    static int tanh(float[] a, int from, int to) {
        return tanh(a, from, to, null, 0);
    }

    /**
     * The sigmoid/tanh LSTM update of one vector of {@code units} ({@link Activations#lstm}) over
     * whole vectors, with the same operations in the same order as the general path. Every exp runs
     * inside a small loop method of its own, and vectors never cross a call that C2 might not
     * inline: a loop forming c' and h' with tanh(c') in its body made this method big enough for C2
     * to stop inlining there, and a vector passed to a call that is not inlined is boxed on the
     * heap, several times slower. c' goes through memory (z's consumed c slot) instead.
     */
    static int lstm(float[] z, int zOffset, float[] bias, int units, float[] c, int cOffset, float[] h, int hOffset) {
        int end = S.loopBound(units);
        int zf = zOffset + units;
        int zc = zf + units;
        int zo = zc + units;
        sigmoid(z, zOffset, zOffset + end, bias, 0);
        sigmoid(z, zf, zf + end, bias, units);
        tanh(z, zc, zc + end, bias, 2 * units);
        sigmoid(z, zo, zo + end, bias, 3 * units);
        cellState(z, zOffset, zf, zc, c, cOffset, end);
        tanh(z, zc, zc + end, null, 0);
        for (int j = 0; j < end; j += L) {
            FloatVector.fromArray(S, z, zo + j)
                    .mul(FloatVector.fromArray(S, z, zc + j))
                    .intoArray(h, hOffset + j);
        }
        return end;
    }

    /** {@code c' = f*c + i*g} into c and into g's slot, whose tanh the output needs next. */
    private static void cellState(float[] z, int zi, int zf, int zc, float[] c, int cOffset, int end) {
        for (int j = 0; j < end; j += L) {
            FloatVector i = FloatVector.fromArray(S, z, zi + j);
            FloatVector f = FloatVector.fromArray(S, z, zf + j);
            FloatVector g = FloatVector.fromArray(S, z, zc + j);
            FloatVector cNew = f.mul(FloatVector.fromArray(S, c, cOffset + j)).add(i.mul(g));
            cNew.intoArray(c, cOffset + j);
            cNew.intoArray(z, zc + j);
        }
    }

    /** Sigmoid of {@code a[i] + bias[b + i - from]} (no bias when it is null) in place. */
    private static int sigmoid(float[] a, int from, int to, float[] bias, int b) {
        int end = exp(a, from, to, bias, b, MINUS_ONE);
        for (int i = from; i < end; i += L) {
            ONE.div(FloatVector.fromArray(S, a, i).add(ONE)).intoArray(a, i);
        }
        return end;
    }

    /** Tanh of {@code a[i] + bias[b + i - from]} (no bias when it is null) in place. */
    private static int tanh(float[] a, int from, int to, float[] bias, int b) {
        int end = exp(a, from, to, bias, b, TWO);
        for (int i = from; i < end; i += L) {
            ONE.sub(TWO.div(FloatVector.fromArray(S, a, i).add(ONE))).intoArray(a, i);
        }
        return end;
    }

    /**
     * {@code a[i] = exp(k * (a[i] + bias[b + i - from]))} in place over whole vectors: {@link
     * FloatExp#exp}, lane by lane, operation for operation. The only method that holds the exp's
     * vectors, all in one loop body, so no vector ever crosses a call.
     */
    private static int exp(float[] a, int from, int to, float[] bias, int b, FloatVector k) {
        int end = from + S.loopBound(to - from);
        for (int i = from; i < end; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, i);
            FloatVector x = (bias == null ? v : v.add(FloatVector.fromArray(S, bias, b + i - from))).mul(k);
            IntVector xBits = (IntVector) x.viewAsIntegralLanes();
            FloatVector t = (FloatVector)
                    xBits.and(MAGNITUDE).min(LIMIT_BITS).or(xBits.and(SIGN)).viewAsFloatingLanes();
            FloatVector shifted = t.fma(LOG2E, ROUND);
            FloatVector n = shifted.sub(ROUND);
            FloatVector r = n.fma(MINUS_LN2_HI, t);
            r = n.fma(MINUS_LN2_LO, r);
            FloatVector r2 = r.mul(r);
            FloatVector p = r2.fma(r2.fma(r2.fma(r.fma(C7, C6), r.fma(C5, C4)), r.fma(C3, C2)), r.add(ONE));
            IntVector bits = (IntVector) shifted.viewAsIntegralLanes();
            FloatVector scale = (FloatVector) bits.add(BIAS)
                    .lanewise(VectorOperators.LSHL, FloatExp.MANTISSA_BITS)
                    .viewAsFloatingLanes();
            p.mul(scale).intoArray(a, i);
        }
        return end;
    }
}
