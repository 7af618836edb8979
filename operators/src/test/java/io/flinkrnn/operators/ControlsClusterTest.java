package io.flinkrnn.operators;

import static io.flinkrnn.operators.ClusterJobs.inference;
import static io.flinkrnn.operators.ClusterJobs.phase;
import static io.flinkrnn.operators.ClusterJobs.restartingForever;
import static io.flinkrnn.operators.ClusterJobs.restoreFrom;
import static io.flinkrnn.operators.KerasOutputs.assertMatches;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.tuple;

import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.operators.store.ModelStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Control events through a MiniCluster at parallelism 3, broadcast to every subtask, acting on keys
 * that live on different subtasks. A control's place among a key's events is what Keras's
 * expectations fix, and a cluster does not order two streams against each other, so controls get a
 * job of their own between jobs of events: each job stops with a savepoint that the next restores.
 * So every control also survives a restore that comes right after it.
 */
@Timeout(300)
class ControlsClusterTest {

    private static final int PARALLELISM = 3;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .build());

    private static final Fixture FORECAST = Fixture.named("keras3_forecast");
    private static final Fixture SWAP = Fixture.named("keras3_swap");
    private static final int COPIES = 12;

    @TempDir
    Path checkpoints;

    private int phase;

    /**
     * keras3_forecast, 12 copies of its keys. Before the first control job, each key has its events
     * up to the controls' places: copy A of k0 up to its reset before t=8, copy B of user_42 up to
     * its reset before t=11, copy C of k0 and D of user_42 up to their forecasts after t=11 and
     * t=15 (forecast_mid.csv); A to D live on subtasks 0, 1, 2 and 0. Then every key's other
     * events, a second control job — a forecast of copy E of k0 after its last event (forecast.csv),
     * a reset-all, the same forecast again — and all events once more, from fresh states, restored at
     * parallelism 2: reset-all holds across a rescale.
     */
    @Test
    void resetsForecastsAndResetAllActOnceOnTheOwningSubtask() throws Exception {
        Set<String> taken = new HashSet<>();
        String a = onSubtask("k0", 0, taken);
        String b = onSubtask("user_42", 1, taken);
        String c = onSubtask("k0", 2, taken);
        String d = onSubtask("user_42", 0, taken);
        String e = onSubtask("k0", 1, taken);
        Map<String, Long> lastBeforeControls = Map.of(a, 7L, b, 10L, c, 11L, d, 15L);
        List<CsvRow> all =
                KeyCopies.rows(FORECAST.eventRows(), 0, FORECAST.eventRows().size(), COPIES);
        Predicate<CsvRow> early = r -> r.t() <= lastBeforeControls.getOrDefault(r.key(), 10L);
        List<Prediction> outputs = new ArrayList<>();

        String savepoint =
                events(null, KerasOutputs.events(all.stream().filter(early).toList()), outputs);
        List<Forecast> forecasts = new ArrayList<>();
        List<Rejected> rejects = new ArrayList<>();
        savepoint = controls(
                savepoint,
                List.of(
                        Control.resetKey(a),
                        Control.resetKey(b),
                        Control.forecast(c, horizon()),
                        Control.forecast(d, horizon())),
                2,
                0,
                forecasts,
                rejects);
        RnnInferenceOperatorTest.assertForecasts(
                forecasts,
                copiesOf(CsvRow.read(FORECAST.dir().resolve("forecast_mid.csv")), Map.of("k0", c, "user_42", d)),
                horizon());

        savepoint = events(
                savepoint,
                KerasOutputs.events(all.stream().filter(early.negate()).toList()),
                outputs);
        List<CsvRow> expected = new ArrayList<>();
        for (CsvRow row : KeyCopies.rows(
                FORECAST.expectedRows(), 0, FORECAST.expectedRows().size(), COPIES)) {
            if (!row.key().equals(a) && !row.key().equals(b)) {
                expected.add(row);
            }
        }
        expected.addAll(copiesOf(FORECAST.expectedResetRows(), Map.of("k0", a, "user_42", b)));
        assertMatches(outputs, expected);

        forecasts.clear();
        savepoint = controls(
                savepoint,
                List.of(Control.forecast(e, horizon()), Control.resetAll(), Control.forecast(e, horizon())),
                1,
                1,
                forecasts,
                rejects);
        RnnInferenceOperatorTest.assertForecasts(
                forecasts, copiesOf(CsvRow.read(FORECAST.dir().resolve("forecast.csv")), Map.of("k0", e)), horizon());
        assertThat(rejects)
                .extracting(Rejected::key, Rejected::reason)
                .containsExactly(tuple(
                        e, "forecast of 5 steps: forecast needs a last output; the key has none since its last reset"));

        // After reset-all every key, on every subtask, starts over: the whole fixture gives expected.csv again,
        // also when the restore spreads the keys over 2 subtasks instead of 3.
        outputs.clear();
        StreamExecutionEnvironment env = ClusterJobs.env(checkpoints, 2, "rocksdb", restoreFrom(savepoint));
        outputs.addAll(
                ClusterJobs.collect(inference(model(), phase(env, KerasOutputs.events(all), 0, all.size(), 9, false))));
        assertMatches(
                outputs,
                KeyCopies.rows(
                        FORECAST.expectedRows(), 0, FORECAST.expectedRows().size(), COPIES));
    }

    /**
     * keras3_swap at parallelism 3: v1 serves each key up to Keras's swap row, a control job swaps
     * to v2 (the newest version in the store by then) and stops right after it, and the restored
     * job serves the rest with v2 continuing v1's states, as Keras computes it (expected_keep.csv).
     */
    @Test
    void aSwapControlActsOnEverySubtaskAndSurvivesARestore() throws Exception {
        ModelStore store = ModelStore.at(checkpoints.resolve("store").toUri().toString());
        store.put("swap", SWAP.dir().resolve("v1.keras"), null, "1");
        int at = SWAP.meta().path("swap_row").asInt();
        List<RnnEvent> all =
                KeyCopies.events(SWAP.eventRows(), 0, SWAP.eventRows().size(), COPIES);
        int head = at * COPIES;
        RnnInference latest = RnnInference.forModel(ModelSource.fromStore(store.uri(), "swap", "latest"));
        List<Prediction> outputs = new ArrayList<>();

        StreamExecutionEnvironment first = ClusterJobs.env(checkpoints, PARALLELISM, "hashmap", new Configuration());
        String savepoint = ClusterJobs.runUntilThenStop(
                first, checkpoints, inference(latest, phase(first, all, 0, head, 0, true)), head, outputs);
        store.put("swap", SWAP.dir().resolve("v2.keras"), null, "2");
        List<Rejected> rejects = new ArrayList<>();
        // The swap answers nothing; a forecast of horizon 0 after it does, and tells the control job is through.
        savepoint = controls(
                latest,
                savepoint,
                List.of(Control.swapModel("2"), Control.forecast(all.get(0).key(), 0)),
                0,
                1,
                new ArrayList<>(),
                rejects);
        StreamExecutionEnvironment second =
                ClusterJobs.env(checkpoints, PARALLELISM, "hashmap", restoreFrom(savepoint));
        List<Prediction> tail = ClusterJobs.collect(inference(latest, phase(second, all, head, all.size(), 1, false)));
        outputs.addAll(tail);
        assertMatches(
                outputs,
                KeyCopies.rows(
                        CsvRow.read(SWAP.dir().resolve("expected_keep.csv")),
                        0,
                        SWAP.eventRows().size(),
                        COPIES));
        assertThat(tail).extracting(Prediction::modelVersion).containsOnly("2");
    }

    /**
     * The fail policy, end to end: a swap control to a version of another state layout stops the
     * job once, naming both versions, although the restart strategy would restart it forever.
     */
    @Test
    void theFailPolicyStopsTheJobOnceWithoutACrashLoop() throws Exception {
        ModelStore store = ModelStore.at(checkpoints.resolve("store").toUri().toString());
        store.put("swap", SWAP.dir().resolve("v1.keras"), null, "1");
        store.put("swap", Fixture.named("keras3_swap_other_shape").dir().resolve("v3.keras"), null, "3");
        List<RnnEvent> all =
                KeyCopies.events(SWAP.eventRows(), 0, SWAP.eventRows().size(), COPIES);
        StreamExecutionEnvironment env =
                ClusterJobs.env(checkpoints, PARALLELISM, "hashmap", restartingForever(new Configuration()));
        DataStream<Control> swap = env.fromData(Control.swapModel("3")).setParallelism(1);
        inference(
                        RnnInference.forModel(ModelSource.fromStore(store.uri(), "swap", "1"))
                                .modelUpdates(RnnOptions.SwapPolicy.FAIL, null)
                                .controls(swap),
                        phase(env, all, 0, all.size(), 0, true))
                .sinkTo(new DiscardingSink<>());
        JobClient job = env.executeAsync("flink-rnn fail policy");
        Throwable failure = catchThrowable(() -> job.getJobExecutionResult().get(2, TimeUnit.MINUTES));
        assertThat(job.getJobStatus().get(1, TimeUnit.MINUTES)).isEqualTo(JobStatus.FAILED);
        assertThat(failure)
                .hasStackTraceContaining(SuppressRestartsException.class.getName())
                .hasStackTraceContaining("model version '3' [input 4, GRU(8), output 2] keeps states of another layout"
                        + " than '1' [input 4, LSTM(8, 8), output 2], and the swap policy is fail");
    }

    private static RnnInference model() {
        return RnnInference.forModel(ModelSource.of(FORECAST.file("keras").orElseThrow()));
    }

    private static int horizon() {
        return FORECAST.meta().path("forecast_horizon").asInt();
    }

    /** A job of events only: runs until each has its output, then stops with a savepoint. */
    private String events(String savepoint, List<RnnEvent> events, List<Prediction> into) throws Exception {
        StreamExecutionEnvironment env = ClusterJobs.env(checkpoints, PARALLELISM, "rocksdb", restoreFrom(savepoint));
        return ClusterJobs.runUntilThenStop(
                env,
                checkpoints,
                inference(model(), phase(env, events, 0, events.size(), phase++, true)),
                events.size(),
                into);
    }

    private String controls(
            String savepoint,
            List<Control> controls,
            int forecasts,
            int rejects,
            List<Forecast> forecastsInto,
            List<Rejected> rejectsInto)
            throws Exception {
        return controls(model(), savepoint, controls, forecasts, rejects, forecastsInto, rejectsInto);
    }

    /**
     * A job of controls only (its event source idles): runs until the controls' answers — exactly
     * {@code forecasts} forecasts and {@code rejects} rejects — arrived, then stops with a savepoint.
     */
    private String controls(
            RnnInference inference,
            String savepoint,
            List<Control> controls,
            int forecasts,
            int rejects,
            List<Forecast> forecastsInto,
            List<Rejected> rejectsInto)
            throws Exception {
        StreamExecutionEnvironment env = ClusterJobs.env(checkpoints, PARALLELISM, "rocksdb", restoreFrom(savepoint));
        DataStream<Control> stream = env.fromData(controls).setParallelism(1);
        RnnInference.Result result = inference
                .bundle(32, Duration.ofMillis(5))
                .controls(stream)
                .apply(phase(env, List.of(), 0, 0, phase++, true).keyBy(RnnEvent::key));
        result.predictions().uid("flink-rnn");
        CloseableIterator<Forecast> answers = result.forecasts().collectAsync();
        CloseableIterator<Rejected> refused = result.rejects().collectAsync();
        JobClient job = env.executeAsync("flink-rnn control phase");
        for (int i = 0; i < forecasts; i++) {
            assertThat(answers.hasNext()).isTrue();
            forecastsInto.add(answers.next());
        }
        for (int i = 0; i < rejects; i++) {
            assertThat(refused.hasNext()).isTrue();
            rejectsInto.add(refused.next());
        }
        String path = job.stopWithSavepoint(
                        false, checkpoints.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                .get(2, TimeUnit.MINUTES);
        // Nothing more came: each control acted on one subtask only.
        answers.forEachRemaining(forecastsInto::add);
        refused.forEachRemaining(rejectsInto::add);
        assertThat(forecastsInto).hasSize(forecasts);
        assertThat(rejectsInto).hasSize(rejects);
        answers.close();
        refused.close();
        return path;
    }

    /** The first copy of fixture key {@code key} that lives on {@code subtask} and is not taken. */
    private static String onSubtask(String key, int subtask, Set<String> taken) {
        int maxParallelism = KeyGroupRangeAssignment.computeDefaultMaxParallelism(PARALLELISM);
        for (int c = 0; c < COPIES; c++) {
            String copy = KeyCopies.key(c, key);
            if (!taken.contains(copy)
                    && KeyGroupRangeAssignment.assignKeyToParallelOperator(copy, maxParallelism, PARALLELISM)
                            == subtask) {
                taken.add(copy);
                return copy;
            }
        }
        throw new IllegalStateException("no copy of " + key + " among " + COPIES + " on subtask " + subtask);
    }

    /** Keras's rows of each fixture key in {@code copies}, renamed to that key's copy. */
    private static List<CsvRow> copiesOf(List<CsvRow> keras, Map<String, String> copies) {
        return keras.stream()
                .filter(r -> copies.containsKey(r.key()))
                .map(r -> new CsvRow(copies.get(r.key()), r.t(), r.values()))
                .toList();
    }
}
