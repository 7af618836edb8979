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
     * whole vectors, with the same operations in the same order as the general path. Each gate is
     * activated in place by its own loop, then one loop forms c' and h': a single loop body with all
     * five exp calls keeps more vectors live across the calls, and it ran up to 30% slower than this
     * in some JVM runs and not in others.
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
        for (int j = 0; j < end; j += L) {
            FloatVector i = FloatVector.fromArray(S, z, zOffset + j);
            FloatVector f = FloatVector.fromArray(S, z, zf + j);
            FloatVector g = FloatVector.fromArray(S, z, zc + j);
            FloatVector cNew = f.mul(FloatVector.fromArray(S, c, cOffset + j)).add(i.mul(g));
            cNew.intoArray(c, cOffset + j);
            FloatVector.fromArray(S, z, zo + j).mul(tanh(cNew)).intoArray(h, hOffset + j);
        }
        return end;
    }

    /** Sigmoid of {@code a[i] + bias[b + i - from]} (no bias when it is null) in place. */
    private static int sigmoid(float[] a, int from, int to, float[] bias, int b) {
        int end = from + S.loopBound(to - from);
        for (int i = from; i < end; i += L) {
            sigmoid(biased(a, i, bias, b + i - from)).intoArray(a, i);
        }
        return end;
    }

    /** Tanh of {@code a[i] + bias[b + i - from]} (no bias when it is null) in place. */
    private static int tanh(float[] a, int from, int to, float[] bias, int b) {
        int end = from + S.loopBound(to - from);
        for (int i = from; i < end; i += L) {
            tanh(biased(a, i, bias, b + i - from)).intoArray(a, i);
        }
        return end;
    }

    private static FloatVector biased(float[] a, int at, float[] bias, int b) {
        FloatVector v = FloatVector.fromArray(S, a, at);
        return bias == null ? v : v.add(FloatVector.fromArray(S, bias, b));
    }

    private static FloatVector sigmoid(FloatVector x) {
        return ONE.div(exp(x.neg()).add(ONE));
    }

    private static FloatVector tanh(FloatVector x) {
        return ONE.sub(TWO.div(exp(x.mul(TWO)).add(ONE)));
    }

    /** {@link FloatExp#exp}, lane by lane, operation for operation. */
    private static FloatVector exp(FloatVector x) {
        IntVector xBits = (IntVector) x.viewAsIntegralLanes();
        FloatVector t = (FloatVector)
                xBits.and(MAGNITUDE).min(LIMIT_BITS).or(xBits.and(SIGN)).viewAsFloatingLanes();
        FloatVector shifted = t.fma(LOG2E, ROUND);
        FloatVector n = shifted.sub(ROUND);
        FloatVector r = n.fma(MINUS_LN2_HI, t);
        r = n.fma(MINUS_LN2_LO, r);
        FloatVector r2 = r.mul(r);
        FloatVector p = r2.fma(
                r2.fma(
                        r2.fma(r.fma(FloatExp.C7, FloatExp.C6), r.fma(FloatExp.C5, FloatExp.C4)),
                        r.fma(FloatExp.C3, FloatExp.C2)),
                r.add(ONE));
        IntVector bits = (IntVector) shifted.viewAsIntegralLanes();
        FloatVector scale = (FloatVector) bits.add(BIAS)
                .lanewise(VectorOperators.LSHL, FloatExp.MANTISSA_BITS)
                .viewAsFloatingLanes();
        return p.mul(scale);
    }
}
