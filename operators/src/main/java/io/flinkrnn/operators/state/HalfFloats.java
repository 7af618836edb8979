package io.flinkrnn.operators.state;

import io.flinkrnn.operators.RnnOptions.StatePrecision;
import org.apache.flink.annotation.Internal;

/**
 * float32 to and from the two 16-bit formats of {@link StatePrecision}, each rounding to nearest,
 * ties to even (IEEE 754's default, what a float32 operation does): bfloat16 (Google Brain float:
 * float32's sign and 8-bit exponent, 7 mantissa bits, so float32's range) and float16 (IEEE binary16:
 * 5-bit exponent, 10 mantissa bits, largest finite 65504, subnormals below 2^-14). A float16 value
 * beyond its range becomes an infinity and one below half its smallest subnormal (2^-25) a signed
 * zero. NaN stays a (quiet) NaN in both. Widening back to float32 is exact.
 *
 * <p>Plain integer and float32 arithmetic, the same bits on every JVM: Java 17 has no {@code
 * Float.floatToFloat16}.
 */
@Internal
public final class HalfFloats {

    /** The float32 bits of 65536, float16's overflow threshold once rounding carries into the exponent. */
    private static final int FLOAT16_OVERFLOW = (127 + 16) << 23;
    /** The float32 bits of 2^-14, float16's smallest normal. */
    private static final int FLOAT16_MIN_NORMAL = (127 - 14) << 23;
    /** 0.5: adding it puts a float16 subnormal's 10 bits at the bottom of the sum's mantissa, rounded. */
    private static final float SUBNORMAL_MAGIC = Float.intBitsToFloat((127 - 1) << 23);

    private HalfFloats() {}

    /** {@code value} rounded to the nearest bfloat16, as its 16 bits. */
    public static short toBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            // Truncating a NaN whose payload sits in the low half would make it an infinity.
            return (short) ((bits >>> 16) | 0x0040);
        }
        int tiesToEven = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + tiesToEven) >>> 16);
    }

    public static float fromBfloat16(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** {@code value} rounded to the nearest float16, as its 16 bits. */
    public static short toFloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7FFFFFFF;
        int half;
        if (abs >= FLOAT16_OVERFLOW) {
            half = abs > 0x7F800000 ? 0x7E00 : 0x7C00;
        } else if (abs < FLOAT16_MIN_NORMAL) {
            // float32 addition rounds to nearest even, so the sum's low bits are the rounded subnormal.
            half = Float.floatToRawIntBits(Float.intBitsToFloat(abs) + SUBNORMAL_MAGIC)
                    - Float.floatToRawIntBits(SUBNORMAL_MAGIC);
        } else {
            int tiesToEven = 0xFFF + ((abs >>> 13) & 1);
            // Rebias the exponent (127 to 15); a carry out of the mantissa rounds up to the next
            // binade, and past 65504 to the infinity.
            half = (abs + ((15 - 127) << 23) + tiesToEven) >>> 13;
        }
        return (short) (sign | half);
    }

    public static float fromFloat16(short bits) {
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        if (exponent == 0) {
            return Math.copySign(mantissa * 0x1p-24f, Float.intBitsToFloat(sign | 0x3F800000));
        }
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        return Float.intBitsToFloat(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
    }

    /** {@code value} as {@code precision} holds it: rounded to it and widened back. */
    public static float round(float value, StatePrecision precision) {
        return switch (precision) {
            case FLOAT32 -> value;
            case BFLOAT16 -> fromBfloat16(toBfloat16(value));
            case FLOAT16 -> fromFloat16(toFloat16(value));
        };
    }

    /** Rounds every value to {@code precision} in place; a no-op for float32 and on rounded values. */
    public static void round(float[] values, StatePrecision precision) {
        if (precision == StatePrecision.FLOAT32) {
            return;
        }
        for (int i = 0; i < values.length; i++) {
            values[i] = round(values[i], precision);
        }
    }
}
