package io.flinkrnn.jobs.replay;

import java.io.PrintWriter;

/** A progress line on stderr every few seconds, so a long replay shows it is alive and how fast. */
final class Progress {

    private static final long INTERVAL_NANOS = 5_000_000_000L;

    private final PrintWriter err;
    private final long start = System.nanoTime();
    private long next = start + INTERVAL_NANOS;
    private long rows;

    Progress(PrintWriter err) {
        this.err = err;
    }

    void row() {
        rows++;
        if ((rows & 1023) == 0 && System.nanoTime() >= next) {
            next = System.nanoTime() + INTERVAL_NANOS;
            err.printf("replay: %,d rows read, %,.0f rows/s%n", rows, rows / seconds());
            err.flush();
        }
    }

    long rows() {
        return rows;
    }

    double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }
}
