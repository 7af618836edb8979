package io.flinkrnn.operators;

import io.flinkrnn.operators.bundle.EventBundle;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/** The operator's metrics, in a {@code flinkrnn} group under the operator's own metric group. */
final class RnnMetrics {

    private static final int HISTOGRAM_WINDOW = 1024;

    final Counter events;
    final Counter outputs;
    final Counter rejects;
    final Counter late;
    final Counter swaps;
    final Counter swapsRefused;
    /** Keys whose state a model change (a swap or a restore with another model) discarded. */
    final Counter modelStateResets;
    /** Keys served by one engine step: the batch size the kernels see. */
    final Histogram stepRows;
    /** Nanoseconds spent in the engine per step. */
    final Histogram engineNanos;

    RnnMetrics(MetricGroup operatorGroup, EventBundle bundle) {
        MetricGroup group = operatorGroup.addGroup("flinkrnn");
        events = group.counter("events");
        outputs = group.counter("outputs");
        rejects = group.counter("rejects");
        late = group.counter("lateEvents");
        swaps = group.counter("modelSwaps");
        swapsRefused = group.counter("modelSwapsRefused");
        modelStateResets = group.counter("modelStateResets");
        stepRows = group.histogram("stepRows", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        engineNanos = group.histogram("engineNanos", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        group.gauge("bundleSize", bundle::size);
    }
}
