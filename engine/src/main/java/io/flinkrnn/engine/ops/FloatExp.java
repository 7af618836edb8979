package io.flinkrnn.engine.ops;

/**
 * The recurrent cells' sigmoid and tanh in float32, through an exp of our own. Built only from
 * operations that IEEE 754 rounds exactly (add, multiply, divide, fused multiply-add) and integer
 * arithmetic on the bits, so every path that computes them gets the same bits: this scalar code,
 * its Vector API twin ({@link VectorActivations}) whatever the vector width, interpreted or compiled
 * by C1 or C2, on any CPU. The JDK's own exps do not give that: the Vector API's lane-wise {@code
 * EXP} is {@code Math.exp} per lane until C2 compiles it to a vendor routine that rounds otherwise,
 * so outputs changed once the JIT warmed up, and {@code Math.exp} differs between CPU families.
 *
 * <p>sigmoid(x) = 1 / (exp(−x) + 1) and tanh(x) = 1 − 2 / (exp(2x) + 1): each needs exp(k·x) for
 * one k ({@link Exp}). The LSTM update goes further and divides once per product of gates ({@link
 * #lstmCell}, {@link #lstmOutput}): a division costs as much as a third of the exp.
 */
final class FloatExp {

    static final int MAGNITUDE = 0x7FFFFFFF;
    static final int SIGN = 0x80000000;
    /** 1.5·2^23: adding it rounds to an integer, which lands in the low mantissa bits of the sum. */
    static final float ROUND = 12582912f;
    /** Float32's exponent bias: the exponent field of 2^n is n + 127. */
    static final int BIAS = 127;

    static final int MANTISSA_BITS = 23;
    private static final float LOG2E = 1.44269504f;
    /** ln 2 to float32, 1.9e-9 off: r's error n·1.9e-9 is at most 2.4e-7 relative, at |n| = 127. */
    private static final float LN2 = 0.6931472f;
    /**
     * exp's polynomial on [−ln 2/2, ln 2/2], coefficients of r^0 .. r^5: a minimax fit of the
     * relative error (Remez exchange, then each coefficient rounded to float32 and nudged by ulps to
     * the smallest maximum), within 1.22e-7 of exp there, about an ulp.
     */
    private static final float[] EXP_POLYNOMIAL = {
        1.0000001f, 0.99999976f, 0.49998856f, 0.16667601f, 0.041915562f, 0.008297625f
    };

    /** exp(−x) and exp(2x) for sigmoid and tanh, to ±88 where they still leave a float. */
    static final Exp SIGMOID = Exp.of(-1f, 88f);

    static final Exp TANH = Exp.of(2f, 88f);
    /**
     * The LSTM's exps, clamped to ±44 so that a product of two of them plus one stays below float's
     * largest value ({@code (1 + e^44)² < 2^128}); a gate moves by less than e^-44 (1e-19) there.
     */
    static final Exp LSTM_SIGMOID = Exp.of(-1f, 44f);

    static final Exp LSTM_TANH = Exp.of(2f, 44f);

    /**
     * exp(k·x) for one scale k and a clamp of k·x to ±limit, with k folded into the constants.
     *
     * <p>exp(t) = 2^n · p(r) with n = round(t·log2 e) and r = t − n·ln 2 in one fused multiply-add,
     * |r| ≤ ln 2 / 2. Instead of multiplying x by k, the reduction forms s =
     * r/k = x − n·(ln 2/k) and p(r) is evaluated as p(k·s) through the coefficients c_j·k^j: k being
     * −1 or a power of two, that rounds exactly like the unscaled steps and saves a multiply. p·2^n
     * is exact, as the clamp keeps it a normal float.
     *
     * <p>The clamp of x to ±limit/|k| works on the bits (magnitude capped, sign kept), as integer min
     * is one cheap instruction where the vector twin's float min, max or masked blend cost several:
     * it sends ±∞ to the bound, which saturates sigmoid and tanh as it should, and a NaN, which
     * validated events and finite weights cannot produce, to the bound of its sign. At 88, 2^n is at
     * most 2^127; below −87.7, 2^n is 0 (n = −127 puts 0 in the exponent field), so exp there is 0
     * rather than a number under 1e-38, which moves sigmoid and tanh by less than that.
     */
    record Exp(int limitBits, float log2e, float minusLn2, float d0, float d1, float d2, float d3, float d4, float d5) {

        private static Exp of(float k, float limit) {
            float[] d = new float[EXP_POLYNOMIAL.length];
            float power = 1f;
            for (int j = 0; j < d.length; j++) {
                d[j] = EXP_POLYNOMIAL[j] * power; // exact: k is -1 or a power of two
                power *= k;
            }
            return new Exp(
                    Float.floatToRawIntBits(limit / Math.abs(k)),
                    LOG2E * k,
                    -LN2 / k,
                    d[0],
                    d[1],
                    d[2],
                    d[3],
                    d[4],
                    d[5]);
        }

        float apply(float x) {
            int bits = Float.floatToRawIntBits(x);
            float u = Float.intBitsToFloat(Math.min(bits & MAGNITUDE, limitBits) | (bits & SIGN));
            float shifted = Math.fma(u, log2e, ROUND);
            float n = shifted - ROUND;
            float s = Math.fma(n, minusLn2, u);
            // Estrin's scheme: its pairs are independent, so the chain is two fused multiply-adds
            // deep after the pairs instead of Horner's five.
            float s2 = s * s;
            float p = Math.fma(s2, Math.fma(s2, Math.fma(s, d5, d4), Math.fma(s, d3, d2)), Math.fma(s, d1, d0));
            // shifted's low bits hold n; shifting n + 127 into the exponent field makes 2^n.
            return p * Float.intBitsToFloat((Float.floatToRawIntBits(shifted) + BIAS) << MANTISSA_BITS);
        }
    }

    private FloatExp() {}

    static float sigmoid(float x) {
        return 1f / (SIGMOID.apply(x) + 1f);
    }

    static float tanh(float x) {
        return 1f - 2f / (TANH.apply(x) + 1f);
    }

    /**
     * The LSTM's {@code c' = f·c + i·g} from the gates' exps: {@code f = 1/(ef + 1)}, {@code i =
     * 1/(ei + 1)}, {@code g = (eg − 1)/(eg + 1)}, so {@code c' = c/(ef + 1) + (eg − 1)/((ei + 1)(eg +
     * 1))}: two divisions where the gates one by one take three and a product.
     */
    static float lstmCell(float c, float ei, float ef, float eg) {
        return c / (ef + 1f) + (eg - 1f) / ((ei + 1f) * (eg + 1f));
    }

    /** The LSTM's {@code h' = o·tanh(c')} as {@code (ec − 1)/((eo + 1)(ec + 1))}: one division, not two. */
    static float lstmOutput(float eo, float ec) {
        return (ec - 1f) / ((eo + 1f) * (ec + 1f));
    }
}
