package io.flinkrnn.engine.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The recurrent cells' sigmoid and tanh on the incubating Vector API, used only when the JVM loads
 * it. A recurrent step spends as much time in these as in its matrix products once those are
 * vectorized; lane-wise {@code exp} in float32 keeps them within a few float32 ulps of the scalar
 * double path, far inside the 1e-5 that Keras parity allows. Each method covers whole vectors and
 * returns where it stopped: {@link Activations} finishes the tail.
 */
final class VectorActivations {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final FloatVector TWO = FloatVector.broadcast(S, 2f);

    private VectorActivations() {}

    /** {@code 1 / (1 + exp(-x))} in place over whole vectors from {@code from}. */
    static int sigmoid(float[] a, int from, int to) {
        int end = from + S.loopBound(to - from);
        for (int i = from; i < end; i += S.length()) {
            FloatVector x = FloatVector.fromArray(S, a, i);
            ONE.div(x.neg().lanewise(VectorOperators.EXP).add(ONE)).intoArray(a, i);
        }
        return end;
    }

    /** {@code 1 - 2 / (exp(2x) + 1)} in place over whole vectors from {@code from}; ±1 where exp overflows. */
    static int tanh(float[] a, int from, int to) {
        int end = from + S.loopBound(to - from);
        for (int i = from; i < end; i += S.length()) {
            FloatVector x = FloatVector.fromArray(S, a, i);
            ONE.sub(TWO.div(x.mul(TWO).lanewise(VectorOperators.EXP).add(ONE))).intoArray(a, i);
        }
        return end;
    }
}
