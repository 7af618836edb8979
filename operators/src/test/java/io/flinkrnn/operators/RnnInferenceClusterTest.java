package io.flinkrnn.operators;

import static io.flinkrnn.operators.ClusterJobs.collect;
import static io.flinkrnn.operators.ClusterJobs.inference;
import static io.flinkrnn.operators.ClusterJobs.phase;
import static io.flinkrnn.operators.ClusterJobs.restoreFrom;
import static io.flinkrnn.operators.KerasOutputs.assertMatches;
import static io.flinkrnn.operators.KerasOutputs.events;
import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.operators.store.ModelManifest;
import io.flinkrnn.operators.store.ModelStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The operator in a real Flink MiniCluster with checkpoints: every parallelism and state backend,
 * failures with restarts, and a stop-with-savepoint restored at other parallelisms must all give
 * exactly what Keras gives, each output once.
 *
 * <p>A job's collected outputs are read through iterators that wait without a timeout of their own,
 * so each test has one: a job that stops producing fails its test instead of stalling the build.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
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
        return ClusterJobs.env(checkpoints, parallelism, backend, conf);
    }

    private static DataStream<Prediction> longInference(DataStream<RnnEvent> events) {
        return inference(RnnInference.forModel(ModelSource.of(LONG.file("h5").orElseThrow())), events);
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
        assertMatches(collect(longInference(source)), LONG.expectedRows());
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
                longInference(source).map(new FailOnce(Set.of(150, 600, 900))).setParallelism(1);
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
            StreamExecutionEnvironment env = env(parallelism[phase], "rocksdb", restoreFrom(savepoint));
            boolean last = phase == 2;
            DataStream<Prediction> predictions =
                    longInference(phase(env, events, cuts[phase], cuts[phase + 1], phase, !last));
            int expected = cuts[phase + 1] - cuts[phase];
            if (last) {
                outputs.addAll(collect(predictions));
            } else {
                savepoint = runUntilThenStop(env, predictions, expected, outputs);
            }
        }
        assertMatches(outputs, LONG.expectedRows());
    }

    /**
     * The upgrade path without a control stream, in a real cluster: serve v1 of keras3_swap up to
     * Keras's swap row, stop with a savepoint, resubmit naming v2 at another parallelism. Outputs
     * equal Keras's for both swap policies. Then resubmit naming a tampered v3: it is refused and v2
     * keeps serving, which fresh keys replaying the tail under v2 show.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = RnnOptions.SwapPolicy.class,
            names = {"KEEP", "RESET"})
    void resubmittingWithANewVersionSwapsAtTheSavepoint(RnnOptions.SwapPolicy policy) throws Exception {
        Fixture swap = Fixture.named("keras3_swap");
        ModelStore store = ModelStore.at(checkpoints.resolve("store").toUri().toString());
        store.put("swap", swap.dir().resolve("v1.keras"), null, "1");
        store.put("swap", swap.dir().resolve("v2.keras"), null, "2");
        ModelManifest v3 = store.put("swap", swap.dir().resolve("v2.keras"), null, "3");
        Files.write(
                checkpoints.resolve("store/swap/3").resolve(v3.file("model").name()),
                new byte[] {7},
                StandardOpenOption.APPEND);
        List<RnnEvent> events = events(swap.eventRows());
        int at = swap.meta().path("swap_row").asInt();
        List<Prediction> outputs = new ArrayList<>();

        StreamExecutionEnvironment first = env(2, "rocksdb");
        String savepoint = runUntilThenStop(
                first, inference(serving(store, "1", policy), phase(first, events, 0, at, 0, true)), at, outputs);
        StreamExecutionEnvironment second = env(3, "rocksdb", restoreFrom(savepoint));
        savepoint = runUntilThenStop(
                second,
                inference(serving(store, "2", policy), phase(second, events, at, events.size(), 1, true)),
                events.size() - at,
                outputs);
        String expected = policy == RnnOptions.SwapPolicy.KEEP ? "expected_keep.csv" : "expected_swap_reset.csv";
        assertMatches(outputs, CsvRow.read(swap.dir().resolve(expected)));
        assertThat(outputs.stream().filter(p -> p.modelVersion().equals("2"))).hasSize(events.size() - at);

        // v3 does not match its manifest: refused; fresh keys replaying the tail show v2 still serving.
        List<RnnEvent> tail = events.subList(at, events.size()).stream()
                .map(e -> new RnnEvent("fresh-" + e.key(), e.timestamp(), e.features()))
                .toList();
        StreamExecutionEnvironment third = env(1, "rocksdb", restoreFrom(savepoint));
        List<Prediction> fresh =
                collect(inference(serving(store, "3", policy), phase(third, tail, 0, tail.size(), 2, false)));
        List<CsvRow> v2FromZero = CsvRow.read(swap.dir().resolve("expected_swap_reset.csv")).stream()
                .skip(at)
                .map(r -> new CsvRow("fresh-" + r.key(), r.t(), r.values()))
                .toList();
        assertMatches(fresh, v2FromZero);
        assertThat(fresh).extracting(Prediction::modelVersion).containsOnly("2");
    }

    private static RnnInference serving(ModelStore store, String version, RnnOptions.SwapPolicy policy) {
        return RnnInference.forModel(ModelSource.fromStore(store.uri(), "swap", version))
                .modelUpdates(policy, null);
    }

    private String runUntilThenStop(
            StreamExecutionEnvironment env, DataStream<Prediction> predictions, int expected, List<Prediction> into)
            throws Exception {
        return ClusterJobs.runUntilThenStop(env, checkpoints, predictions, expected, into);
    }
}
