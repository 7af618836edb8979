package io.flinkrnn.operators;

import static io.flinkrnn.operators.KerasOutputs.events;
import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.operators.internal.RnnSettings;
import io.flinkrnn.operators.internal.model.ModelLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator's metrics as a reporter receives them from a MiniCluster job at parallelism 2: each
 * subtask's values summed must add up to what the job served (README "Metrics").
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RnnMetricsTest {

    private static final Fixture LSTM_SEQ = Fixture.named("keras3_lstm_seq");
    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(REPORTER.addToConfiguration(new Configuration()))
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @Test
    void reportsEventsOutputsKeysStateSizeLatencyAndTheServingVersion() throws Exception {
        // Latency counts from the source record's timestamp (a Kafka record's, epoch ms) where an event
        // has one, else from its ts: half the keys carry step numbers as ts and a source timestamp a
        // minute in the past, the others epoch-millisecond ts a minute in the past and no source.
        long base = System.currentTimeMillis() - Duration.ofMinutes(1).toMillis();
        List<RnnEvent> events = new ArrayList<>();
        for (RnnEvent e : events(LSTM_SEQ.eventRows())) {
            events.add(
                    Math.floorMod(e.key().hashCode(), 2) == 0
                            ? new RnnEvent(e.key(), e.timestamp(), e.features(), base + e.timestamp())
                            : new RnnEvent(e.key(), base + e.timestamp(), e.features()));
        }
        assertThat(events.stream().map(e -> e.sourceTimestamp() == RnnEvent.NO_SOURCE_TIMESTAMP))
                .as("keys of both kinds")
                .contains(true, false);
        events.add(new RnnEvent("too-few-features", base, new float[0]));
        long keys = events.stream().map(RnnEvent::key).distinct().count() - 1;

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        var stream = env.fromSource(
                        FixtureEvents.source(events, 0, events.size(), 50_000, false),
                        WatermarkStrategy.noWatermarks(),
                        "events")
                .setParallelism(1);
        ModelSource source =
                ModelSource.of(LSTM_SEQ.file("keras").orElseThrow()).withVersion("seq-v1");
        RnnInference.forModel(source)
                .bundle(8, Duration.ofMillis(5))
                .apply(stream.keyBy(RnnEvent::key))
                .predictions()
                .sinkTo(new DiscardingSink<>());
        JobID job = env.execute("flink-rnn metrics").getJobID();

        assertThat(sum(job, "events", Counter.class, Counter::getCount)).isEqualTo(events.size());
        assertThat(sum(job, "rejects", Counter.class, Counter::getCount)).isEqualTo(1);
        long outputs = sum(job, "outputs", Counter.class, Counter::getCount);
        assertThat(outputs).isEqualTo(LSTM_SEQ.expectedRows().size());
        assertThat(sum(job, "keysWithState", Gauge.class, g -> ((Number) g.getValue()).longValue()))
                .isEqualTo(keys);
        assertThat(sum(job, "keysCreated", Counter.class, Counter::getCount)).isEqualTo(keys);
        assertThat(sum(job, "eventsPerSecond", Meter.class, Meter::getCount)).isEqualTo(events.size());

        // The serializer's 16-byte header and the state's float32 values (README "How it works").
        int stateFloats = ModelLoader.load(source, RnnSettings.from(source, new Configuration()))
                .model()
                .newState()
                .length;
        assertThat(metrics(job, "stateBytesPerKey", Gauge.class))
                .hasSize(2)
                .allSatisfy(g -> assertThat(((Number) g.getValue()).longValue()).isEqualTo(16 + 4L * stateFloats));
        assertThat(metrics(job, "model_version\\.seq-v1\\.modelInfo", Gauge.class))
                .hasSize(2)
                .allSatisfy(g -> assertThat(g.getValue()).isEqualTo(1));

        Collection<Histogram> latency = metrics(job, "latencyMillis", Histogram.class);
        assertThat(latency.stream().mapToLong(Histogram::getCount).sum()).isEqualTo(outputs);
        assertThat(latency).allSatisfy(h -> {
            assertThat(h.getStatistics().getMin())
                    .isGreaterThanOrEqualTo(Duration.ofMinutes(1).toMillis() - 1_000);
            assertThat(h.getStatistics().getMax())
                    .isLessThan(Duration.ofMinutes(4).toMillis());
        });
        assertThat(metrics(job, "stepRows", Histogram.class))
                .allSatisfy(h -> assertThat(h.getStatistics().getMax()).isBetween(1L, 8L));
    }

    private static <M extends Metric> long sum(
            JobID job, String name, Class<M> type, java.util.function.ToLongFunction<M> value) {
        return metrics(job, name, type).stream().mapToLong(value).sum();
    }

    private static <M extends Metric> Collection<M> metrics(JobID job, String name, Class<M> type) {
        Collection<Metric> found =
                REPORTER.findMetrics(job, "\\.flinkrnn\\." + name + "$").values();
        assertThat(found).as("flinkrnn.%s of each subtask", name).hasSize(2).allMatch(type::isInstance);
        return found.stream().map(type::cast).toList();
    }
}
