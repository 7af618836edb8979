package io.flinkrnn.operators.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.operators.RnnOptions.StatePrecision;
import java.util.Arrays;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The 16-bit roundings against an oracle that shares no code with them: every finite value of the
 * format, sorted, and the nearest one to the input found by comparing distances in double (exact for
 * neighbouring floats), ties to the even bit pattern, the infinity standing at the value the format's
 * exponent would give next (IEEE 754's rule for overflow). Checked on every midpoint between two
 * neighbouring values, one float either side of it, and a million random float32 bit patterns.
 */
class HalfFloatsTest {

    private static final StatePrecision[] SIXTEEN_BIT = {StatePrecision.BFLOAT16, StatePrecision.FLOAT16};

    private record Format(
            IntFunction<Float> widen, java.util.function.Function<Float, Short> narrow, double infinity) {}

    private static Format format(StatePrecision precision) {
        return precision == StatePrecision.BFLOAT16
                ? new Format(b -> HalfFloats.fromBfloat16((short) b), HalfFloats::toBfloat16, 0x1p128)
                : new Format(b -> HalfFloats.fromFloat16((short) b), HalfFloats::toFloat16, 65536);
    }

    @ParameterizedTest
    @EnumSource(names = {"BFLOAT16", "FLOAT16"})
    void everyValueOfTheFormatSurvivesTheRoundTrip(StatePrecision precision) {
        Format f = format(precision);
        for (int bits = 0; bits < 1 << 16; bits++) {
            float wide = f.widen.apply(bits);
            if (Float.isNaN(wide)) {
                assertThat(Float.isNaN(f.widen.apply(f.narrow.apply(wide) & 0xFFFF)))
                        .isTrue();
            } else {
                assertThat(f.narrow.apply(wide) & 0xFFFF).as("bits %04x", bits).isEqualTo(bits);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"BFLOAT16", "FLOAT16"})
    void roundsToNearestTiesToEvenLikeTheOracle(StatePrecision precision) {
        Format f = format(precision);
        // Non-negative finite values of the format in increasing order (bit order is value order), and the infinity.
        int[] patterns = java.util.stream.IntStream.range(0, 0x8000)
                .filter(b -> Float.isFinite(f.widen.apply(b)) || Float.isInfinite(f.widen.apply(b)))
                .toArray();
        double[] values = Arrays.stream(patterns)
                .mapToDouble(b -> Float.isInfinite(f.widen.apply(b)) ? f.infinity : f.widen.apply(b))
                .toArray();
        for (int i = 0; i + 1 < values.length; i++) {
            float mid = (float) ((values[i] + values[i + 1]) / 2);
            if (values[i + 1] != f.infinity) {
                assertThat((double) mid).as("the midpoint is a float").isEqualTo((values[i] + values[i + 1]) / 2);
            }
            for (float x : new float[] {mid, Math.nextDown(mid), Math.nextUp(mid)}) {
                assertOracle(f, patterns, values, x);
                assertOracle(f, patterns, values, -x);
            }
        }
        Random random = new Random(7);
        for (int n = 0; n < 1_000_000; n++) {
            float x = Float.intBitsToFloat(random.nextInt());
            if (!Float.isNaN(x)) {
                assertOracle(f, patterns, values, x);
            }
        }
    }

    private static void assertOracle(Format f, int[] patterns, double[] values, float x) {
        double a = Math.abs((double) x);
        int hi = Arrays.binarySearch(values, a);
        int want;
        if (Double.isInfinite(a) || a >= values[values.length - 1]) {
            want = patterns[patterns.length - 1];
        } else if (hi >= 0) {
            want = patterns[hi];
        } else {
            hi = -hi - 1;
            double below = a - values[hi - 1];
            double above = values[hi] - a;
            want = below < above || (below == above && (patterns[hi - 1] & 1) == 0) ? patterns[hi - 1] : patterns[hi];
        }
        int sign = Float.floatToRawIntBits(x) < 0 ? 0x8000 : 0;
        assertThat(f.narrow.apply(x) & 0xFFFF)
                .as("%s (%08x)", x, Float.floatToRawIntBits(x))
                .isEqualTo(sign | want);
    }

    @ParameterizedTest
    @ValueSource(ints = {0x7F800001, 0x7FC00000, 0xFF800001, 0x7FFFFFFF})
    void aNanStaysANanInBothFormats(int nanBits) {
        float nan = Float.intBitsToFloat(nanBits);
        for (StatePrecision p : SIXTEEN_BIT) {
            assertThat(HalfFloats.round(nan, p)).as("%s", p).isNaN();
        }
    }

    @org.junit.jupiter.api.Test
    void edgesOfBfloat16() {
        StatePrecision p = StatePrecision.BFLOAT16;
        assertThat(HalfFloats.round(Float.POSITIVE_INFINITY, p)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(HalfFloats.round(Float.NEGATIVE_INFINITY, p)).isEqualTo(Float.NEGATIVE_INFINITY);
        // float32's largest finite is above bfloat16's largest plus half an ulp: it overflows.
        assertThat(HalfFloats.round(Float.MAX_VALUE, p)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(HalfFloats.round(Float.intBitsToFloat(0x7F7F7FFF), p)).isEqualTo(Float.intBitsToFloat(0x7F7F0000));
        assertThat(Float.floatToRawIntBits(HalfFloats.round(-0f, p))).isEqualTo(0x80000000);
        // Subnormals keep float32's: 7 bits of them, rounded to nearest even.
        assertThat(HalfFloats.round(Float.MIN_VALUE, p)).isEqualTo(0f);
        assertThat(HalfFloats.round(Float.intBitsToFloat(0x00018000), p)).isEqualTo(Float.intBitsToFloat(0x00020000));
        assertThat(HalfFloats.round(Float.intBitsToFloat(0x00008000), p)).isEqualTo(0f);
        assertThat(HalfFloats.round(Float.intBitsToFloat(0x00008001), p)).isEqualTo(Float.intBitsToFloat(0x00010000));
        // 1 + 2^-8 is a tie between 1 and 1 + 2^-7: to even, 1; 1 + 3 * 2^-8 ties up to 1 + 2^-6.
        assertThat(HalfFloats.round(1 + 0x1p-8f, p)).isEqualTo(1f);
        assertThat(HalfFloats.round(1 + 3 * 0x1p-8f, p)).isEqualTo(1 + 0x1p-6f);
    }

    @org.junit.jupiter.api.Test
    void edgesOfFloat16() {
        StatePrecision p = StatePrecision.FLOAT16;
        assertThat(HalfFloats.round(65504f, p)).isEqualTo(65504f);
        assertThat(HalfFloats.round(Math.nextDown(65520f), p)).isEqualTo(65504f);
        assertThat(HalfFloats.round(65520f, p)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(HalfFloats.round(-1e10f, p)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(HalfFloats.round(Float.MAX_VALUE, p)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(HalfFloats.round(0x1p-24f, p)).isEqualTo(0x1p-24f);
        // Half the smallest subnormal ties to zero (even), keeping the sign; just above it rounds up.
        assertThat(Float.floatToRawIntBits(HalfFloats.round(-0x1p-25f, p))).isEqualTo(0x80000000);
        assertThat(HalfFloats.round(Math.nextUp(0x1p-25f), p)).isEqualTo(0x1p-24f);
        assertThat(HalfFloats.round(3 * 0x1p-25f, p)).isEqualTo(0x1p-23f);
        assertThat(HalfFloats.round(1e-10f, p)).isEqualTo(0f);
        assertThat(HalfFloats.round(Math.nextDown(0x1p-14f), p)).isEqualTo(0x1p-14f);
        assertThat(HalfFloats.round(1 + 0x1p-11f, p)).isEqualTo(1f);
        assertThat(HalfFloats.round(1 + 3 * 0x1p-11f, p)).isEqualTo(1 + 0x1p-9f);
        assertThat(HalfFloats.round(Float.POSITIVE_INFINITY, p)).isEqualTo(Float.POSITIVE_INFINITY);
    }

    @org.junit.jupiter.api.Test
    void float32IsLeftAlone() {
        float[] values = {0.1f, Float.MIN_VALUE, Float.MAX_VALUE};
        HalfFloats.round(values, StatePrecision.FLOAT32);
        assertThat(values).containsExactly(0.1f, Float.MIN_VALUE, Float.MAX_VALUE);
    }
}
