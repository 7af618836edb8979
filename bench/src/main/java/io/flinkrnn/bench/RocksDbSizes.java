package io.flinkrnn.bench;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * Holds on to the MiniCluster's RocksDB size gauges (Flink's native RocksDB metrics), so the bench
 * can read what one column family occupies while the job still runs. A metric reporter because
 * that is how Flink hands gauges out; it reports nothing anywhere.
 */
public final class RocksDbSizes implements MetricReporter {

    /** RocksDB's estimate of the column family's bytes once every superseded version is compacted away. */
    static final String LIVE_DATA = "estimate-live-data-size";

    /** The bytes of the SST files the column family's current version reads, as they are on disk. */
    static final String LIVE_SST_FILES = "live-sst-files-size";

    private static final Map<String, Gauge<?>> GAUGES = new ConcurrentHashMap<>();

    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        if (metric instanceof Gauge<?> gauge && (name.endsWith(LIVE_DATA) || name.endsWith(LIVE_SST_FILES))) {
            GAUGES.put(group.getMetricIdentifier(name), gauge);
        }
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        GAUGES.remove(group.getMetricIdentifier(name));
    }

    /** The sum over every subtask of {@code property} for the column family (state) {@code state}. */
    static long sum(String property, String state) {
        return GAUGES.entrySet().stream()
                .filter(e -> e.getKey().endsWith(property) && e.getKey().contains("." + state + "."))
                .mapToLong(e -> ((Number) e.getValue().getValue()).longValue())
                .sum();
    }

    /** Found by Flink through {@code META-INF/services}; named in {@code metrics.reporter.*.factory.class}. */
    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new RocksDbSizes();
        }
    }
}
