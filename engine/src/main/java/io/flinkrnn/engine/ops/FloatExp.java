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
 * <p>exp(t) = 2^n · p(r) with n = round(t·log2 e) and r = t − n·ln 2 (ln 2 split in two so that the
 * reduction loses no bits), |r| ≤ ln 2 / 2, and p the degree-7 Taylor polynomial of exp, whose
 * truncation error there (r^8/8! < 6e-9 relative) is a tenth of a float32 ulp: within 2 ulps for
 * |t| ≤ 87. t is clamped to [−88, 88]: at the top 2^n is 2^127, and below −87.7 it is 0 (n = −127
 * puts 0 in the exponent field), so exp there is 0 rather than a number under 1e-38; sigmoid and
 * tanh move by less than that. The clamp works on the bits (magnitude capped, sign kept), as
 * integer min is one cheap instruction where the vector twin's float min, max or masked blend cost
 * several: it sends ±∞ to ±88, which saturates sigmoid and tanh as it should, and also NaN, which
 * validated events and finite weights cannot produce, to ±88.
 */
final class FloatExp {

    /** The clamp's bound, 88, as float bits: for non-negative floats, bits order like values. */
    static final int LIMIT_BITS = Float.floatToRawIntBits(88f);

    static final int MAGNITUDE = 0x7FFFFFFF;
    static final int SIGN = 0x80000000;
    static final float LOG2E = 1.44269504f;
    /** 1.5·2^23: adding it rounds to an integer, which lands in the low mantissa bits of the sum. */
    static final float ROUND = 12582912f;
    /** ln 2 = LN2_HI + LN2_LO; n·LN2_HI is exact for every n the clamp allows. */
    static final float LN2_HI = 0.693359375f;

    static final float LN2_LO = -2.12194440e-4f;
    /** Float32's exponent bias: the exponent field of 2^n is n + 127. */
    static final int BIAS = 127;

    static final int MANTISSA_BITS = 23;
    /** 1/k! of exp's Taylor series, k = 7 down to 2; the coefficients of r and 1 are 1. */
    static final float C7 = 1f / 5040;

    static final float C6 = 1f / 720;

    static final float C5 = 1f / 120;
    static final float C4 = 1f / 24;
    static final float C3 = 1f / 6;
    static final float C2 = 1f / 2;

    private FloatExp() {}

    // The vector twin scales its argument by a constant, -1 or 2, in one loop for both functions;
    // a product by -1 keeps a NaN's sign where negation would flip it, so this multiplies too.
    static float sigmoid(float x) {
        return 1f / (exp(x * -1f) + 1f);
    }

    static float tanh(float x) {
        return 1f - 2f / (exp(x * 2f) + 1f);
    }

    static float exp(float x) {
        int bits = Float.floatToRawIntBits(x);
        float t = Float.intBitsToFloat(Math.min(bits & MAGNITUDE, LIMIT_BITS) | (bits & SIGN));
        float shifted = Math.fma(t, LOG2E, ROUND);
        float n = shifted - ROUND;
        float r = Math.fma(n, -LN2_HI, t);
        r = Math.fma(n, -LN2_LO, r);
        // Estrin's scheme: (1 + r) + r² ((C2 + C3 r) + r² ((C4 + C5 r) + r² (C6 + C7 r))). Its four
        // pairs are independent, so the chain is three fused multiply-adds deep instead of Horner's
        // seven: the cells' activation loops are short and bound by latency.
        float r2 = r * r;
        float p = Math.fma(
                r2, Math.fma(r2, Math.fma(r2, Math.fma(r, C7, C6), Math.fma(r, C5, C4)), Math.fma(r, C3, C2)), r + 1f);
        // shifted's low bits hold n; shifting n + 127 into the exponent field makes 2^n.
        return p * Float.intBitsToFloat((Float.floatToRawIntBits(shifted) + BIAS) << MANTISSA_BITS);
    }
}
