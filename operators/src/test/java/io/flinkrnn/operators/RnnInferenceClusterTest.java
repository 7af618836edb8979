package io.flinkrnn.operators;

import static io.flinkrnn.operators.KerasOutputs.assertMatches;
import static io.flinkrnn.operators.KerasOutputs.events;
import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.Fixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The operator in a real Flink MiniCluster with checkpoints: every parallelism and state backend,
 * failures with restarts, and a stop-with-savepoint restored at other parallelisms must all give
 * exactly what Keras gives, each output once.
 */
class RnnInferenceClusterTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .build());

    private static final Fixture LONG = Fixture.named("keras3_stacked_long");

    @TempDir
    Path checkpoints;

    private StreamExecutionEnvironment env(int parallelism, String backend) {
        return env(parallelism, backend, new Configuration());
    }

    private StreamExecutionEnvironment env(int parallelism, String backend, Configuration conf) {
        conf.set(StateBackendOptions.STATE_BACKEND, backend);
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(50));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        env.enableCheckpointing(100);
        return env;
    }

    private static DataStream<Prediction> inference(StreamExecutionEnvironment env, DataStream<RnnEvent> events) {
        return RnnInference.forModel(ModelSource.of(LONG.file("h5").orElseThrow()))
                .bundle(32, Duration.ofMillis(5))
                .apply(events.keyBy(RnnEvent::key))
                .predictions()
                .uid("flink-rnn");
    }

    private static List<Prediction> collect(DataStream<Prediction> predictions) throws Exception {
        List<Prediction> out = new ArrayList<>();
        try (CloseableIterator<Prediction> it = predictions.executeAndCollect("flink-rnn test")) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    @ParameterizedTest(name = "parallelism {0}, {1}")
    @CsvSource({"1, hashmap", "2, rocksdb", "3, hashmap", "4, rocksdb"})
    void interleavedKeysEqualKerasAtEveryParallelism(int parallelism, String backend) throws Exception {
        List<RnnEvent> events = events(LONG.eventRows());
        StreamExecutionEnvironment env = env(parallelism, backend);
        var source = env.fromSource(
                        FixtureEvents.source(events, 0, events.size(), 50_000, false),
                        WatermarkStrategy.noWatermarks(),
                        "events")
                .setParallelism(1);
        assertMatches(collect(inference(env, source)), LONG.expectedRows());
    }

    /** Throws once at each chosen count of outputs seen, replays included, then lets the job through. */
    static final class FailOnce extends RichMapFunction<Prediction, Prediction> {
        static final Set<Integer> FAILED = ConcurrentHashMap.newKeySet();
        static final AtomicInteger SEEN = new AtomicInteger();
        private final Set<Integer> failAt;

        FailOnce(Set<Integer> failAt) {
            this.failAt = failAt;
        }

        @Override
        public Prediction map(Prediction p) {
            int seen = SEEN.incrementAndGet();
            if (failAt.contains(seen) && FAILED.add(seen)) {
                throw new IllegalStateException("injected failure at output " + seen);
            }
            return p;
        }
    }

    @Test
    void failuresWithRestartsGiveTheFailureFreeOutput() throws Exception {
        List<RnnEvent> events = events(LONG.eventRows());
        StreamExecutionEnvironment env = env(2, "rocksdb");
        var source = env.fromSource(
                        FixtureEvents.source(events, 0, events.size(), 2_000, false),
                        WatermarkStrategy.noWatermarks(),
                        "events")
                .setParallelism(1);
        FailOnce.FAILED.clear();
        FailOnce.SEEN.set(0);
        var failing =
                inference(env, source).map(new FailOnce(Set.of(150, 600, 900))).setParallelism(1);
        List<Prediction> outputs = collect(failing);
        assertThat(FailOnce.FAILED).containsExactlyInAnyOrder(150, 600, 900);
        assertMatches(outputs, LONG.expectedRows());
    }

    @Test
    void stopWithSavepointRestoresAtOtherParallelisms() throws Exception {
        List<RnnEvent> events = events(LONG.eventRows());
        int n = events.size();
        int[] cuts = {0, n / 3, 2 * n / 3, n};
        int[] parallelism = {2, 3, 1};
        List<Prediction> outputs = new ArrayList<>();
        String savepoint = null;
        for (int phase = 0; phase < 3; phase++) {
            Configuration restore = new Configuration();
            if (savepoint != null) {
                restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
                restore.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
            }
            StreamExecutionEnvironment env = env(parallelism[phase], "rocksdb", restore);
            boolean last = phase == 2;
            var source = env.fromSource(
                            FixtureEvents.source(events, cuts[phase], cuts[phase + 1], 5_000, !last),
                            WatermarkStrategy.noWatermarks(),
                            "events-" + phase)
                    .uid("events-" + phase)
                    .setParallelism(1)
                    // Drops the filler; parallelism 1 keeps each key's events in order.
                    .filter(e -> !e.key().isEmpty())
                    .setParallelism(1);
            DataStream<Prediction> predictions = inference(env, source);
            int expected = cuts[phase + 1] - cuts[phase];
            if (last) {
                outputs.addAll(collect(predictions));
            } else {
                savepoint = runUntilThenStop(env, predictions, expected, outputs);
            }
        }
        assertMatches(outputs, LONG.expectedRows());
    }

    private String runUntilThenStop(
            StreamExecutionEnvironment env, DataStream<Prediction> predictions, int expected, List<Prediction> into)
            throws Exception {
        CloseableIterator<Prediction> it =
                predictions.map((MapFunction<Prediction, Prediction>) p -> p).collectAsync();
        JobClient job = env.executeAsync("flink-rnn savepoint phase");
        for (int i = 0; i < expected; i++) {
            assertThat(it.hasNext()).isTrue();
            into.add(it.next());
        }
        String path = job.stopWithSavepoint(
                        false, checkpoints.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                .get();
        it.close();
        return path;
    }
}
