package io.flinkrnn.jobs.demo;

import java.io.PrintWriter;

/** Turns the demo job's lines into console output: samples, anomalies, throughput and a summary. */
final class DemoReport {

    private static final long PROGRESS_INTERVAL_NANOS = 2_000_000_000L;
    private static final int MAX_ANOMALY_LINES = 25;

    private final PrintWriter out;
    private final long events;
    private final long start = System.nanoTime();
    private long lastProgress = start;
    private long outputs;
    private long outputsAtLastProgress;
    private long flagged;
    private long flaggedInjected;

    DemoReport(PrintWriter out, long events) {
        this.out = out;
        this.events = events;
    }

    void accept(DemoLine line) {
        switch (line.kind()) {
            case SAMPLE -> out.printf(
                    "  %s step %5d  reading %+.3f  forecast %+.3f%n",
                    line.sensor(), line.step(), line.reading(), line.forecast());
            case ANOMALY -> {
                flagged++;
                flaggedInjected += line.injected() ? 1 : 0;
                if (flagged <= MAX_ANOMALY_LINES) {
                    out.printf(
                            "! %s step %5d  reading %+.3f  forecast %+.3f  ANOMALY%s%n",
                            line.sensor(),
                            line.step(),
                            line.reading(),
                            line.forecast(),
                            line.injected() ? " (injected spike)" : "");
                }
            }
            case PROGRESS -> outputs += line.count();
        }
        long now = System.nanoTime();
        if (now - lastProgress >= PROGRESS_INTERVAL_NANOS && outputs > outputsAtLastProgress) {
            double seconds = (now - lastProgress) / 1e9;
            out.printf(
                    "  .. %,d of %,d events served, %,.0f events/s%n",
                    outputs, events, (outputs - outputsAtLastProgress) / seconds);
            lastProgress = now;
            outputsAtLastProgress = outputs;
        }
        out.flush();
    }

    void summary(int sensors, int warmup) {
        double seconds = (System.nanoTime() - start) / 1e9;
        long injected = 0;
        long steps = events / sensors + 1;
        for (int s = 0; s < sensors; s++) {
            for (long t = warmup; t < steps && s + t * sensors < events; t++) {
                injected += SensorSignal.isAnomaly(s, t) ? 1 : 0;
            }
        }
        out.printf(
                "%ndone: %,d events from %d sensors in %.1f s (%,.0f events/s including job start-up); "
                        + "%d readings flagged, %d of the %d injected spikes among them%n",
                events, sensors, seconds, events / seconds, flagged, flaggedInjected, injected);
        out.flush();
    }
}
