package io.flinkrnn.engine.cell;

/**
 * The bias that lets a cell's step from zero states leave out {@code h·U}: with every recurrent
 * weight finite, {@code x·W + b0} gives the same bits as {@code x·W + 0·U + b}, the full product's
 * chain of fused multiply-adds continued over h = +0 and then Keras's bias b.
 *
 * <p>Why b0 and not b: {@code fma(+0, u, acc)} leaves every acc as it was but one. An x·W whose
 * every product underflowed to -0 is -0, and it turns +0 (-0 + +0 = +0) as soon as one weight of
 * its column has a clear sign bit. So such a column gets {@code b + 0f} (b itself, or +0 for a b of
 * ±0 or none), the others b or, with no bias, -0, the one float that adds nothing to any sum.
 */
final class ZeroStateBias {

    private ZeroStateBias() {}

    /**
     * b0 for a row-major {@code (rows, cols)} recurrent kernel {@code u} and a bias of {@code cols}
     * (or {@code null}), or {@code null} when u holds an infinity or NaN: then 0·u is NaN, and only
     * the full product gives the right bits.
     */
    static float[] of(float[] u, int rows, int cols, float[] bias) {
        boolean[] signClear = new boolean[cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                float w = u[i * cols + j];
                if (!Float.isFinite(w)) {
                    return null;
                }
                signClear[j] |= Float.floatToRawIntBits(w) >= 0;
            }
        }
        float[] b0 = new float[cols];
        for (int j = 0; j < cols; j++) {
            float b = bias == null ? -0f : bias[j];
            b0[j] = signClear[j] ? b + 0f : b;
        }
        return b0;
    }
}
