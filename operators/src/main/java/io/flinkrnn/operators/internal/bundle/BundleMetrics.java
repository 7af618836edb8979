package io.flinkrnn.operators.internal.bundle;

import org.apache.flink.annotation.Internal;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/** What serving a bundle reports, registered in the operator's {@code flinkrnn} metric group. */
@Internal
public final class BundleMetrics {

    private static final int HISTOGRAM_WINDOW = 1024;

    final Counter outputs;
    /** Keys that got a fresh state because they had none stored: new keys, or keys back after TTL or a reset. */
    final Counter keysCreated;
    /** Keys served by one engine step: the batch size the kernels see. */
    final Histogram stepRows;
    /** Nanoseconds spent in the engine per step. */
    final Histogram engineNanos;
    /** Processing time at emission minus the event's timestamp: end-to-end latency when ts is epoch ms. */
    final Histogram latencyMillis;

    public BundleMetrics(MetricGroup group) {
        outputs = group.counter("outputs");
        keysCreated = group.counter("keysCreated");
        stepRows = group.histogram("stepRows", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        engineNanos = group.histogram("engineNanos", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        latencyMillis = group.histogram("latencyMillis", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
    }

    public long keysCreated() {
        return keysCreated.getCount();
    }
}
