package io.flinkrnn.engine.ops;

/**
 * The error function in double precision, for the exact {@code gelu} (the JDK has none). Two
 * classical expansions cover the line without tabulated constants: the Maclaurin series where it
 * converges with little cancellation, and the Laplace continued fraction for {@code erfc} in the
 * tails. Both are accurate to about 1e-13, far below float32's resolution.
 */
public final class Erf {

    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
    private static final double SERIES_LIMIT = 3;
    private static final int FRACTION_TERMS = 80;

    private Erf() {}

    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double ax = Math.abs(x);
        double e = ax < SERIES_LIMIT ? series(ax) : 1 - erfcFraction(ax);
        return Math.copySign(e, x);
    }

    /** erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)); terms peak near 200 at x = 3. */
    private static double series(double x) {
        double x2 = x * x;
        double term = x; // (-1)^n x^(2n+1) / n!
        double sum = x;
        for (int n = 1; n < 200; n++) {
            term *= -x2 / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                break;
            }
        }
        return TWO_OVER_SQRT_PI * sum;
    }

    /** erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated bottom-up. */
    private static double erfcFraction(double x) {
        double f = x;
        for (int n = FRACTION_TERMS; n >= 1; n--) {
            f = x + (n / 2.0) / f;
        }
        return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
    }
}
