package io.flinkrnn.bench;

import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * Holds on to the MiniCluster's RocksDB size gauges and statistics counters (Flink's native RocksDB
 * metrics), so the bench can read what one column family occupies, and what RocksDB did over a
 * measured stretch, while the job still runs. A metric reporter because that is how Flink hands
 * gauges out; it reports nothing anywhere.
 */
public final class RocksDbSizes implements MetricReporter {

    /** RocksDB's estimate of the column family's bytes once every superseded version is compacted away. */
    static final String LIVE_DATA = "estimate-live-data-size";

    /** The bytes of the SST files the column family's current version reads, as they are on disk. */
    static final String LIVE_SST_FILES = "live-sst-files-size";

    /**
     * Prefix of RocksDB's statistics counters (tickers such as {@code rocksdb.block_cache_miss}),
     * which Flink registers per RocksDB instance when a {@code state.backend.rocksdb.metrics.*}
     * statistics option such as {@code block-cache-miss} is on. Its property gauges share the prefix
     * but are spelled with hyphens ({@code rocksdb.estimate-live-data-size}), tickers never are.
     */
    private static final String TICKER = "rocksdb.";

    private static final Map<String, Gauge<?>> GAUGES = new ConcurrentHashMap<>();

    /** Statistics counters by metric identifier, each with its ticker's name. */
    private static final Map<String, Ticker> TICKERS = new ConcurrentHashMap<>();

    private record Ticker(String name, Gauge<?> gauge) {}

    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        if (metric instanceof Gauge<?> gauge && (name.endsWith(LIVE_DATA) || name.endsWith(LIVE_SST_FILES))) {
            GAUGES.put(group.getMetricIdentifier(name), gauge);
        }
        if (metric instanceof Gauge<?> gauge && name.startsWith(TICKER) && name.indexOf('-') < 0) {
            TICKERS.put(group.getMetricIdentifier(name), new Ticker(name.substring(TICKER.length()), gauge));
        }
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        GAUGES.remove(group.getMetricIdentifier(name));
        TICKERS.remove(group.getMetricIdentifier(name));
    }

    /** The sum over every subtask of {@code property} for the column family (state) {@code state}. */
    static long sum(String property, String state) {
        return GAUGES.entrySet().stream()
                .filter(e -> e.getKey().endsWith(property) && e.getKey().contains("." + state + "."))
                .mapToLong(e -> ((Number) e.getValue().getValue()).longValue())
                .sum();
    }

    /**
     * Every statistics counter by its ticker's name (e.g. {@code block_cache_miss}), summed over
     * every RocksDB instance; empty unless a statistics metric is on.
     */
    static Map<String, Long> tickers() {
        Map<String, Long> sums = new TreeMap<>();
        TICKERS.values().forEach(t -> sums.merge(t.name(), ((Number) t.gauge().getValue()).longValue(), Long::sum));
        return sums;
    }

    /** Found by Flink through {@code META-INF/services}; named in {@code metrics.reporter.*.factory.class}. */
    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new RocksDbSizes();
        }
    }
}
