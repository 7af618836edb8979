package io.flinkrnn.jobs.demo;

/**
 * What the demo job sends back to the console: a sample forecast, a flagged anomaly, or a count of
 * outputs served since the last progress record.
 */
public record DemoLine(
        Kind kind, String sensor, long step, float reading, float forecast, boolean injected, long count) {

    public enum Kind {
        SAMPLE,
        ANOMALY,
        PROGRESS
    }

    static DemoLine progress(long count) {
        return new DemoLine(Kind.PROGRESS, null, 0, 0, 0, false, count);
    }
}
