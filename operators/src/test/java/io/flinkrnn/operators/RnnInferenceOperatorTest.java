package io.flinkrnn.operators;

import static io.flinkrnn.operators.KerasOutputs.assertMatches;
import static io.flinkrnn.operators.KerasOutputs.events;
import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.fixtures.KerasExpectations;
import io.flinkrnn.operators.internal.RnnInferenceOperator;
import io.flinkrnn.operators.internal.RnnSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The operator in Flink's own test harness, against outputs real Keras computed: every control path,
 * bundling, TTL, session gaps, event-time ordering, rejects and restore from a snapshot.
 */
class RnnInferenceOperatorTest {

    private static final Fixture LSTM_SEQ = Fixture.named("keras3_lstm_seq");

    /** A harness whose TTL clock the tests can move. */
    static final class Harness extends KeyedTwoInputStreamOperatorTestHarness<String, RnnEvent, Control, Prediction> {
        static final int MAX_PARALLELISM = 128;

        Harness(RnnSettings settings) throws Exception {
            this(settings, 1, 0);
        }

        /** Subtask {@code subtask} of {@code parallelism}, with 128 key groups. */
        Harness(RnnSettings settings, int parallelism, int subtask) throws Exception {
            super(
                    new RnnInferenceOperator(settings),
                    RnnEvent::key,
                    c -> c.key() == null ? "" : c.key(),
                    Types.STRING,
                    MAX_PARALLELISM,
                    parallelism,
                    subtask);
        }

        void setTtlTime(long millis) {
            ttlTimeProvider.setCurrentTimestamp(millis);
        }

        /** End of input: Flink calls {@code finish()}, which serves the last open bundle. */
        void finish() throws Exception {
            getOperator().finish();
        }

        List<Prediction> predictions() {
            return extractOutputValues();
        }

        <X> List<X> side(org.apache.flink.util.OutputTag<X> tag) {
            var records = getSideOutput(tag);
            return records == null
                    ? List.of()
                    : records.stream().map(StreamRecord::getValue).toList();
        }
    }

    private static RnnSettings settings(Fixture fixture, Configuration config) {
        return RnnSettings.from(ModelSource.of(fixture.file("keras").orElseThrow()), config);
    }

    private static Harness open(RnnSettings settings, boolean rocksdb) throws Exception {
        Harness h = new Harness(settings);
        if (rocksdb) {
            h.setStateBackend(new EmbeddedRocksDBStateBackend());
        }
        h.open();
        return h;
    }

    private static Configuration bundle(int maxEvents) {
        Configuration c = new Configuration();
        c.set(RnnOptions.BUNDLE_MAX_EVENTS, maxEvents);
        c.set(RnnOptions.BUNDLE_MAX_DELAY, Duration.ZERO);
        return c;
    }

    @ParameterizedTest(name = "rocksdb={0}")
    @ValueSource(booleans = {false, true})
    void interleavedKeysEqualKeras(boolean rocksdb) throws Exception {
        try (Harness h = open(settings(LSTM_SEQ, bundle(7)), rocksdb)) {
            for (RnnEvent e : events(LSTM_SEQ.eventRows())) {
                h.processElement1(e, e.timestamp());
            }
            h.finish();
            assertMatches(h.predictions(), LSTM_SEQ.expectedRows());
        }
    }

    @Test
    void resetKeyEqualsKerasResetStates() throws Exception {
        List<CsvRow> resets = LSTM_SEQ.resetRows();
        try (Harness h = open(settings(LSTM_SEQ, bundle(5)), false)) {
            for (RnnEvent e : events(LSTM_SEQ.eventRows())) {
                if (resets.stream().anyMatch(r -> r.key().equals(e.key()) && r.t() == e.timestamp())) {
                    h.processElement2(Control.resetKey(e.key()), e.timestamp());
                }
                h.processElement1(e, e.timestamp());
            }
            h.finish();
            assertMatches(h.predictions(), LSTM_SEQ.expectedResetRows());
        }
    }

    /** On RocksDB: a ConvLSTM2D key carries two filters × rows × cols maps per layer. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"keras3_stacked_long", "keras3_convlstm_stacked"})
    void emittedStatesEqualKerasStatesAfterEachKeysLastEvent(String fixture) throws Exception {
        Fixture stacked = Fixture.named(fixture);
        Configuration c = bundle(32);
        c.set(RnnOptions.EMIT_STATES, true);
        try (Harness h = open(settings(stacked, c), true)) {
            for (RnnEvent e : events(stacked.eventRows())) {
                h.processElement1(e, e.timestamp());
            }
            h.finish();
            java.util.Map<String, Prediction> last = new java.util.HashMap<>();
            h.predictions().forEach(p -> last.put(p.key(), p));
            // states.csv: key,layer,state,v...: layer by layer, h before c, as return_state gives them.
            java.util.Map<String, List<Float>> keras = new java.util.LinkedHashMap<>();
            for (CsvRow row : CsvRow.read(stacked.dir().resolve("states.csv"))) {
                List<Float> v = keras.computeIfAbsent(row.key(), k -> new ArrayList<>());
                for (int i = 1; i < row.values().length; i++) {
                    v.add(row.values()[i]);
                }
            }
            assertThat(last.keySet()).isEqualTo(keras.keySet());
            keras.forEach((key, want) -> {
                float[] values = new float[want.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = want.get(i);
                }
                KerasExpectations.assertClose(last.get(key).states(), values, "states of %s", key);
            });
        }
    }

    /**
     * keras3_forecast: forecasts taken mid-stream (forecast_mid.csv) and after each key's last event
     * (forecast.csv) equal Keras's hand-written stateful loop, and the live outputs stay Keras's.
     */
    @Test
    void forecastsEqualKerasAndLeaveTheLiveStateAlone() throws Exception {
        Fixture f = Fixture.named("keras3_forecast");
        int horizon = f.meta().path("forecast_horizon").asInt();
        var after = f.meta().path("forecast_after");
        try (Harness h = open(settings(f, bundle(4)), true)) {
            for (RnnEvent e : events(f.eventRows())) {
                h.processElement1(e, e.timestamp());
                if (after.path(e.key()).asLong(-1) == e.timestamp()) {
                    h.processElement2(Control.forecast(e.key(), horizon), e.timestamp());
                }
            }
            int mid = h.side(RnnSideOutputs.FORECASTS).size();
            for (String key : f.eventRows().stream().map(CsvRow::key).distinct().toList()) {
                h.processElement2(Control.forecast(key, horizon), 0);
            }
            h.finish();
            assertMatches(h.predictions(), f.expectedRows());
            List<Forecast> forecasts = h.side(RnnSideOutputs.FORECASTS);
            assertForecasts(forecasts.subList(0, mid), CsvRow.read(f.dir().resolve("forecast_mid.csv")), horizon);
            assertForecasts(
                    forecasts.subList(mid, forecasts.size()),
                    CsvRow.read(f.dir().resolve("forecast.csv")),
                    horizon);
        }
    }

    /** Forecast CSV rows are {@code key,t,h,y...}: step h of the forecast taken after the key's event t. */
    static void assertForecasts(List<Forecast> forecasts, List<CsvRow> keras, int horizon) {
        assertThat(forecasts).hasSize(keras.size() / horizon);
        for (Forecast fc : forecasts) {
            List<CsvRow> rows =
                    keras.stream().filter(r -> r.key().equals(fc.key())).toList();
            assertThat(rows).as("Keras forecast of %s", fc.key()).hasSize(horizon);
            int width = fc.outputs().length / horizon;
            for (CsvRow row : rows) {
                assertThat(fc.timestamp()).isEqualTo(row.t());
                int step = (int) row.values()[0] - 1;
                float[] got = java.util.Arrays.copyOfRange(fc.outputs(), step * width, (step + 1) * width);
                float[] want = java.util.Arrays.copyOfRange(row.values(), 1, row.values().length);
                KerasExpectations.assertClose(got, want, "%s forecast step %d", fc.key(), step + 1);
            }
        }
    }

    @Test
    void resetAllStartsEveryKeyOver() throws Exception {
        List<RnnEvent> events = events(LSTM_SEQ.eventRows());
        try (Harness h = open(settings(LSTM_SEQ, bundle(16)), false)) {
            events.forEach(e -> process(h, e));
            h.processElement2(Control.resetAll(), 0);
            int before = h.predictions().size();
            events.forEach(e -> process(h, e));
            h.finish();
            assertMatches(h.predictions().subList(before, h.predictions().size()), LSTM_SEQ.expectedRows());
        }
    }

    @Test
    void badEventsAreRejectedAndChangeNoState() throws Exception {
        List<RnnEvent> events = events(LSTM_SEQ.eventRows());
        int width = LSTM_SEQ.features();
        try (Harness h = open(settings(LSTM_SEQ, bundle(3)), false)) {
            for (RnnEvent e : events) {
                h.processElement1(new RnnEvent(e.key(), e.timestamp(), new float[width + 1]), 0);
                float[] nan = e.features().clone();
                nan[0] = Float.NaN;
                h.processElement1(new RnnEvent(e.key(), e.timestamp(), nan), 0);
                h.processElement1(e, e.timestamp());
            }
            h.processElement1(new RnnEvent("", 0, new float[width]), 0);
            h.finish();
            assertMatches(h.predictions(), LSTM_SEQ.expectedRows());
            List<Rejected> rejects = h.side(RnnSideOutputs.REJECTS);
            assertThat(rejects).hasSize(2 * events.size() + 1);
            assertThat(rejects.get(0).reason()).isEqualTo("expected " + width + " features, got " + (width + 1));
            assertThat(rejects.get(1).reason()).isEqualTo("feature x0 is NaN");
            assertThat(rejects.get(rejects.size() - 1).reason()).isEqualTo("event has no key");
        }
    }

    /**
     * A bundle ends when it is full or when its delay has passed since its first event, whichever
     * comes first; the delay of a bundle that ended full must not cut the next one short.
     */
    @Test
    void bundleEndsWhenFullOrWhenItsOwnDelayPasses() throws Exception {
        Configuration c = new Configuration();
        c.set(RnnOptions.BUNDLE_MAX_EVENTS, 3);
        c.set(RnnOptions.BUNDLE_MAX_DELAY, Duration.ofMillis(10));
        List<RnnEvent> events = events(LSTM_SEQ.eventRows());
        try (Harness h = open(settings(LSTM_SEQ, c), false)) {
            h.setProcessingTime(0);
            events.subList(0, 3).forEach(e -> process(h, e));
            assertThat(h.predictions()).as("a full bundle is served at once").hasSize(3);
            h.setProcessingTime(8);
            process(h, events.get(3));
            h.setProcessingTime(10);
            assertThat(h.predictions())
                    .as("the first bundle's delay is not this one's")
                    .hasSize(3);
            h.setProcessingTime(18);
            assertThat(h.predictions())
                    .as("8 ms + 10 ms: this bundle's own delay")
                    .hasSize(4);
            events.subList(4, events.size()).forEach(e -> process(h, e));
            h.finish();
            assertMatches(h.predictions(), LSTM_SEQ.expectedRows());
        }
    }

    @Test
    void sessionGapStartsAFreshSequence() throws Exception {
        Configuration c = bundle(4);
        c.set(RnnOptions.SESSION_GAP, Duration.ofMillis(1000));
        List<RnnEvent> events = events(LSTM_SEQ.eventRows());
        long later = 1_000_000;
        try (Harness h = open(settings(LSTM_SEQ, c), false)) {
            events.forEach(e -> process(h, e));
            h.finish();
            int before = h.predictions().size();
            // The same sequences again after a long silence: each key must start from zero state.
            events.forEach(e -> process(h, new RnnEvent(e.key(), later + e.timestamp(), e.features())));
            h.finish();
            List<Prediction> second = h
                    .predictions()
                    .subList(before, h.predictions().size())
                    .stream()
                    .map(p -> new Prediction(p.key(), p.timestamp() - later, p.outputs(), p.modelVersion(), null))
                    .toList();
            assertMatches(second, LSTM_SEQ.expectedRows());
        }
    }

    @Test
    void idleTtlDropsTheStateOfQuietKeys() throws Exception {
        Configuration c = bundle(1);
        c.set(RnnOptions.IDLE_TTL, Duration.ofMinutes(1));
        List<RnnEvent> events = events(LSTM_SEQ.eventRows());
        try (Harness h = open(settings(LSTM_SEQ, c), false)) {
            h.setTtlTime(0);
            events.forEach(e -> process(h, e));
            h.setTtlTime(Duration.ofMinutes(2).toMillis());
            int before = h.predictions().size();
            events.forEach(e -> process(h, e));
            assertMatches(h.predictions().subList(before, h.predictions().size()), LSTM_SEQ.expectedRows());
        }
    }

    @Test
    void eventTimeOrdersEachKeyAndSendsLateEventsAside() throws Exception {
        Configuration c = bundle(8);
        c.set(RnnOptions.ALLOWED_LATENESS, Duration.ZERO);
        List<RnnEvent> events = new ArrayList<>(events(LSTM_SEQ.eventRows()));
        Collections.shuffle(events, new Random(42));
        try (Harness h = open(settings(LSTM_SEQ, c), false)) {
            events.forEach(e -> process(h, e));
            h.processBothWatermarks(new Watermark(Long.MAX_VALUE - 1));
            RnnEvent late = events.get(0);
            h.processElement1(late, late.timestamp());
            h.finish();
            assertMatches(h.predictions(), LSTM_SEQ.expectedRows());
            assertThat(h.side(RnnSideOutputs.LATE))
                    .extracting(RnnEvent::key, RnnEvent::timestamp)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(late.key(), late.timestamp()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"keras3_lstm_seq", "keras3_convlstm_channels_first"})
    void restoresFromASnapshotMidStream(String fixture) throws Exception {
        Fixture f = Fixture.named(fixture);
        List<RnnEvent> events = events(f.eventRows());
        int half = events.size() / 2;
        RnnSettings settings = settings(f, bundle(1000));
        List<Prediction> outputs = new ArrayList<>();
        OperatorSubtaskState snapshot;
        try (Harness h = open(settings, true)) {
            events.subList(0, half).forEach(e -> process(h, e));
            // The snapshot flushes the open bundle first (prepareSnapshotPreBarrier).
            h.prepareSnapshotPreBarrier(1);
            snapshot = h.snapshot(1, 1);
            outputs.addAll(h.predictions());
        }
        try (Harness h = new Harness(settings)) {
            h.setStateBackend(new EmbeddedRocksDBStateBackend());
            h.initializeState(snapshot);
            h.open();
            events.subList(half, events.size()).forEach(e -> process(h, e));
            h.finish();
            outputs.addAll(h.predictions());
        }
        assertMatches(outputs, f.expectedRows());
    }

    private static void process(Harness h, RnnEvent e) {
        try {
            h.processElement1(e, e.timestamp());
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }
}
