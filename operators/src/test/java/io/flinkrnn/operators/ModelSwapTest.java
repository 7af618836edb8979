package io.flinkrnn.operators;

import static io.flinkrnn.operators.KerasOutputs.assertMatches;
import static io.flinkrnn.operators.KerasOutputs.events;
import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.operators.RnnInferenceOperatorTest.Harness;
import io.flinkrnn.operators.internal.RnnInferenceOperator;
import io.flinkrnn.operators.internal.RnnSettings;
import io.flinkrnn.operators.store.ModelManifest;
import io.flinkrnn.operators.store.ModelStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Hot swap from a model store in the operator harness: outputs before a swap equal Keras's for the
 * old version, after it Keras's for the new one; versions that cannot serve are refused and the
 * current one keeps serving; a restore resumes the version in use.
 */
class ModelSwapTest {

    /** v1: LSTM(8) -> TimeDistributed(Dense(2)), 4 features. */
    private static final Fixture LSTM = Fixture.named("keras3_lstm_seq");
    /** v2: a GRU model with the same input and output widths but other state shapes. */
    private static final Fixture GRU = Fixture.named("keras3_gru_reset_before");

    @TempDir
    Path root;

    private ModelStore store;

    @BeforeEach
    void fillStore() {
        store = ModelStore.at(root.toUri().toString());
        store.put("sensors", LSTM.file("keras").orElseThrow(), null, "1");
    }

    private RnnSettings settings(RnnOptions.SwapPolicy policy, Duration poll) {
        Configuration c = new Configuration();
        c.set(RnnOptions.BUNDLE_MAX_EVENTS, 6);
        c.set(RnnOptions.BUNDLE_MAX_DELAY, Duration.ZERO);
        c.set(RnnOptions.SWAP_POLICY, policy);
        if (poll != null) {
            c.set(RnnOptions.POLL_INTERVAL, poll);
        }
        return RnnSettings.from(ModelSource.fromStore(store.uri(), "sensors", "latest"), c);
    }

    private static Harness open(RnnSettings settings) throws Exception {
        Harness h = new Harness(settings);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        h.open();
        return h;
    }

    /** Feeds a fixture's events and asserts the outputs they produce equal Keras's, from the given version. */
    private static void feedAndExpect(Harness h, Fixture f, String version) throws Exception {
        int before = h.predictions().size();
        for (RnnEvent e : events(f.eventRows())) {
            h.processElement1(e, e.timestamp());
        }
        h.finish();
        List<Prediction> outputs =
                h.predictions().subList(before, h.predictions().size());
        assertMatches(outputs, f.expectedRows());
        assertThat(outputs).extracting(Prediction::modelVersion).containsOnly(version);
    }

    /**
     * keras3_swap: v1 and v2 share an architecture; Keras computed the stream with v2 taking over at
     * row {@code swap_row}, once continuing each key's v1 states (keep) and once from zero (reset).
     */
    @ParameterizedTest
    @EnumSource(
            value = RnnOptions.SwapPolicy.class,
            names = {"KEEP", "RESET"})
    void swapMidStreamEqualsKeras(RnnOptions.SwapPolicy policy) throws Exception {
        Fixture swap = Fixture.named("keras3_swap");
        store.put("swap", swap.dir().resolve("v1.keras"), null, "1");
        store.put("swap", swap.dir().resolve("v2.keras"), null, "2");
        Configuration c = new Configuration();
        c.set(RnnOptions.BUNDLE_MAX_EVENTS, 5);
        c.set(RnnOptions.BUNDLE_MAX_DELAY, Duration.ZERO);
        c.set(RnnOptions.SWAP_POLICY, policy);
        RnnSettings settings = RnnSettings.from(ModelSource.fromStore(store.uri(), "swap", "1"), c);
        List<RnnEvent> events = events(swap.eventRows());
        int at = swap.meta().path("swap_row").asInt();
        try (Harness h = open(settings)) {
            for (RnnEvent e : events.subList(0, at)) {
                h.processElement1(e, e.timestamp());
            }
            h.processElement2(Control.swapModel("2"), 0);
            for (RnnEvent e : events.subList(at, events.size())) {
                h.processElement1(e, e.timestamp());
            }
            h.finish();
            String expected = policy == RnnOptions.SwapPolicy.KEEP ? "expected_keep.csv" : "expected_swap_reset.csv";
            assertMatches(h.predictions(), CsvRow.read(swap.dir().resolve(expected)));
            assertThat(h.predictions())
                    .extracting(Prediction::modelVersion)
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, events.size())
                            .mapToObj(i -> i < at ? "1" : "2")
                            .toList());
        }
    }

    @Test
    void resetPolicyServesTheNewVersionFromZeroState() throws Exception {
        store.put("sensors", GRU.file("keras").orElseThrow(), null, "2");
        try (Harness h = open(settings(RnnOptions.SwapPolicy.RESET, null))) {
            // 'latest' was 2 when the job started; go back to 1 explicitly, then forward to 2.
            h.processElement2(Control.swapModel("1"), 0);
            feedAndExpect(h, LSTM, "1");
            h.processElement2(Control.swapModel("2"), 0);
            feedAndExpect(h, GRU, "2");
        }
    }

    @Test
    void keepPolicyRefusesStatesOfOtherShapesAndKeepsServing() throws Exception {
        try (Harness h = open(settings(RnnOptions.SwapPolicy.KEEP, null))) {
            List<RnnEvent> events = events(LSTM.eventRows());
            int half = events.size() / 2;
            for (RnnEvent e : events.subList(0, half)) {
                h.processElement1(e, e.timestamp());
            }
            store.put("sensors", GRU.file("keras").orElseThrow(), null, "2");
            h.processElement2(Control.swapModel("2"), 0);
            for (RnnEvent e : events.subList(half, events.size())) {
                h.processElement1(e, e.timestamp());
            }
            h.finish();
            // The GRU's states cannot carry the LSTM's: refused, and every key went on with version 1.
            assertMatches(h.predictions(), LSTM.expectedRows());
            assertThat(h.predictions()).extracting(Prediction::modelVersion).containsOnly("1");
            assertThat(refusals(h)).isEqualTo(1);
        }
    }

    @Test
    void aTamperedVersionIsRefusedAndTheCurrentKeepsServing() throws Exception {
        try (Harness h = open(settings(RnnOptions.SwapPolicy.RESET, null))) {
            ModelManifest bad = store.put("sensors", GRU.file("keras").orElseThrow(), null, "2");
            Files.write(
                    root.resolve("sensors/2").resolve(bad.file("model").name()),
                    new byte[] {0},
                    StandardOpenOption.APPEND);
            h.processElement2(Control.swapModel("2"), 0);
            h.processElement2(Control.swapModel("3"), 0);
            feedAndExpect(h, LSTM, "1");
            assertThat(refusals(h)).isEqualTo(2);
        }
    }

    @Test
    void aRestoreResumesTheVersionInUse() throws Exception {
        RnnSettings settings = settings(RnnOptions.SwapPolicy.RESET, null);
        OperatorSubtaskState snapshot;
        store.put("sensors", GRU.file("keras").orElseThrow(), null, "2");
        try (Harness h = open(settings)) {
            h.processElement2(Control.swapModel("1"), 0);
            feedAndExpect(h, LSTM, "1");
            h.prepareSnapshotPreBarrier(1);
            snapshot = h.snapshot(1, 1);
        }
        // A newer version appears meanwhile; the restored job must still serve the one it used.
        store.put("sensors", GRU.file("keras").orElseThrow(), null, "3");
        try (Harness h = new Harness(settings)) {
            h.setStateBackend(new EmbeddedRocksDBStateBackend());
            h.initializeState(snapshot);
            h.open();
            h.processElement2(Control.resetAll(), 0);
            feedAndExpect(h, LSTM, "1");
        }
    }

    @Test
    void pollingPicksUpANewerVersion() throws Exception {
        try (Harness h = open(settings(RnnOptions.SwapPolicy.RESET, Duration.ofSeconds(1)))) {
            h.setProcessingTime(0);
            feedAndExpect(h, LSTM, "1");
            store.put("sensors", GRU.file("keras").orElseThrow(), null, "2");
            h.setProcessingTime(1_000);
            feedAndExpect(h, GRU, "2");
        }
    }

    private static long refusals(Harness h) {
        return ((RnnInferenceOperator) h.getOperator()).refusedSwaps();
    }
}
