package io.flinkrnn.operators;

import static io.flinkrnn.operators.KerasOutputs.assertMatches;
import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.operators.RnnInferenceOperatorTest.Harness;
import io.flinkrnn.operators.internal.RnnSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.junit.jupiter.api.Test;

/**
 * Each key's events step its state in increasing ts (docs/SEMANTICS.md section 9): resends and
 * reordered events change no state in strict ordering, are served in accept ordering, and in
 * event-time mode an event older than its key's last served one is late.
 */
class EventOrderTest {

    private static final Fixture LSTM_SEQ = Fixture.named("keras3_lstm_seq");
    private static final int COPIES = 8;

    private static RnnSettings settings(Configuration config) {
        return RnnSettings.from(ModelSource.of(LSTM_SEQ.file("keras").orElseThrow()), config);
    }

    private static Configuration bundle(int maxEvents) {
        Configuration c = new Configuration();
        c.set(RnnOptions.BUNDLE_MAX_EVENTS, maxEvents);
        c.set(RnnOptions.BUNDLE_MAX_DELAY, Duration.ZERO);
        return c;
    }

    /** The fixture's keys, several copies each, in the fixture's order. */
    private static List<RnnEvent> clean() {
        return KeyCopies.events(LSTM_SEQ.eventRows(), 0, LSTM_SEQ.eventRows().size(), COPIES);
    }

    /**
     * An at-least-once producer: 10% of the events are sent again, half right after themselves
     * (often in the same bundle as the original), half after a restart from a checkpoint that
     * already holds the original. The outputs must be the clean stream's, bit for bit, and each
     * resend one reject.
     */
    @Test
    void resendsBeforeAndAfterARestoreChangeNothing() throws Exception {
        long seed = new Random().nextLong();
        System.out.println("EventOrderTest seed=" + seed);
        Random random = new Random(seed);
        List<RnnEvent> events = clean();
        RnnSettings settings = settings(bundle(5));
        List<Prediction> expected = run(settings, events);
        assertMatches(
                expected,
                KeyCopies.rows(
                        LSTM_SEQ.expectedRows(), 0, LSTM_SEQ.expectedRows().size(), COPIES));

        int restartAt = events.size() / 2;
        List<RnnEvent> beforeRestart = new ArrayList<>();
        List<RnnEvent> afterRestart = new ArrayList<>();
        int resends = 0;
        for (int i = 0; i < events.size(); i++) {
            RnnEvent e = events.get(i);
            (i < restartAt ? beforeRestart : afterRestart).add(e);
            if (random.nextInt(10) == 0) {
                resends++;
                if (i < restartAt && random.nextBoolean()) {
                    // Resent after the restart: the producer did not see its ack before the crash.
                    afterRestart.add(random.nextInt(afterRestart.size() + 1), e);
                } else {
                    (i < restartAt ? beforeRestart : afterRestart).add(e);
                }
            }
        }
        assertThat(resends).as("seed %s resends some events", seed).isPositive();

        List<Prediction> outputs = new ArrayList<>();
        List<Rejected> rejects = new ArrayList<>();
        OperatorSubtaskState snapshot;
        try (Harness h = rocksDb(settings)) {
            h.open();
            beforeRestart.forEach(e -> process(h, e));
            h.prepareSnapshotPreBarrier(1);
            snapshot = h.snapshot(1, 1);
            outputs.addAll(h.predictions());
            rejects.addAll(h.side(RnnSideOutputs.REJECTS));
        }
        try (Harness h = rocksDb(settings)) {
            h.initializeState(snapshot);
            h.open();
            afterRestart.forEach(e -> process(h, e));
            h.finish();
            outputs.addAll(h.predictions());
            rejects.addAll(h.side(RnnSideOutputs.REJECTS));
        }
        assertSameBits(outputs, expected);
        assertThat(rejects).as("seed %s", seed).hasSize(resends).allSatisfy(r -> assertThat(r.reason())
                .startsWith("ts=" + r.timestamp() + " is not after the key's last ts="));
    }

    @Test
    void anEventBeforeTheKeysLastIsRejectedWithBothTimestamps() throws Exception {
        try (Harness h = new Harness(settings(bundle(2)))) {
            h.open();
            List<RnnEvent> key = clean().stream()
                    .filter(e -> e.key().equals(clean().get(0).key()))
                    .toList();
            process(h, key.get(0));
            process(h, key.get(2));
            process(h, key.get(1));
            h.finish();
            assertThat(h.predictions()).hasSize(2);
            assertThat(h.side(RnnSideOutputs.REJECTS))
                    .extracting(Rejected::key, Rejected::timestamp, Rejected::reason)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(
                            key.get(1).key(),
                            key.get(1).timestamp(),
                            "ts=" + key.get(1).timestamp() + " is not after the key's last ts="
                                    + key.get(2).timestamp()));
        }
    }

    @Test
    void acceptOrderingServesResendsAgain() throws Exception {
        Configuration c = bundle(5);
        c.set(RnnOptions.ORDERING, RnnOptions.Ordering.ACCEPT);
        List<RnnEvent> events = clean();
        try (Harness h = new Harness(settings(c))) {
            h.open();
            events.forEach(e -> process(h, e));
            process(h, events.get(0));
            h.finish();
            assertThat(h.predictions()).hasSize(events.size() + 1);
            assertThat(h.side(RnnSideOutputs.REJECTS)).isEmpty();
        }
    }

    /**
     * Event time: an event behind the watermark but within the lateness is served if its key has
     * served nothing later; one older than its key's last served event is late, and a resend of a
     * served event (its ts equal to the last) is a reject, each once.
     */
    @Test
    void eventTimeSendsEventsOlderThanTheKeysLastToLate() throws Exception {
        Configuration c = bundle(4);
        c.set(RnnOptions.ALLOWED_LATENESS, Duration.ofMillis(1_000_000));
        List<RnnEvent> events = clean();
        RnnEvent first = events.get(0);
        List<RnnEvent> firstKey =
                events.stream().filter(e -> e.key().equals(first.key())).toList();
        List<RnnEvent> withoutSecond = new ArrayList<>(events);
        withoutSecond.remove(firstKey.get(1));
        try (Harness h = new Harness(settings(c))) {
            h.open();
            withoutSecond.forEach(e -> process(h, e));
            // Every event is served, and the watermark is within the lateness of each.
            long newest = events.stream().mapToLong(RnnEvent::timestamp).max().orElseThrow();
            h.processBothWatermarks(new Watermark(newest));
            RnnEvent lastOfKey = firstKey.get(firstKey.size() - 1);
            process(h, firstKey.get(1));
            process(h, lastOfKey);
            h.finish();
            assertThat(h.side(RnnSideOutputs.LATE))
                    .extracting(RnnEvent::key, RnnEvent::timestamp)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(
                            first.key(), firstKey.get(1).timestamp()));
            assertThat(h.side(RnnSideOutputs.REJECTS))
                    .extracting(Rejected::timestamp)
                    .containsExactly(lastOfKey.timestamp());
            assertThat(h.predictions()).hasSize(events.size() - 1);
        }
    }

    /**
     * The control input's watermarks never move event time: a bounded control stream ends with
     * Long.MAX_VALUE, and with every event partition idle Flink would otherwise serve every
     * buffered event at once and make every later one late.
     */
    @Test
    void theControlInputNeverMovesEventTime() throws Exception {
        Configuration c = bundle(4);
        c.set(RnnOptions.ALLOWED_LATENESS, Duration.ofMillis(10));
        List<RnnEvent> events = clean();
        try (Harness h = new Harness(settings(c))) {
            h.open();
            events.forEach(e -> process(h, e));
            h.processWatermark2(new Watermark(Long.MAX_VALUE));
            h.processWatermarkStatus1(WatermarkStatus.IDLE);
            assertThat(h.predictions())
                    .as("served before the events' watermark")
                    .isEmpty();
            h.processWatermarkStatus1(WatermarkStatus.ACTIVE);
            long newest = events.stream().mapToLong(RnnEvent::timestamp).max().orElseThrow();
            h.processWatermark1(new Watermark(newest));
            h.finish();
            assertMatches(
                    h.predictions(),
                    KeyCopies.rows(
                            LSTM_SEQ.expectedRows(), 0, LSTM_SEQ.expectedRows().size(), COPIES));
            assertThat(h.side(RnnSideOutputs.LATE)).isEmpty();
        }
    }

    private static Harness rocksDb(RnnSettings settings) throws Exception {
        Harness h = new Harness(settings);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        return h;
    }

    private static List<Prediction> run(RnnSettings settings, List<RnnEvent> events) throws Exception {
        try (Harness h = new Harness(settings)) {
            h.open();
            events.forEach(e -> process(h, e));
            h.finish();
            return h.predictions();
        }
    }

    /** Record for record: same keys, timestamps and float bits, in the same order per key. */
    static void assertSameBits(List<Prediction> actual, List<Prediction> expected) {
        assertThat(actual.stream().map(EventOrderTest::bits).sorted().toList())
                .isEqualTo(expected.stream().map(EventOrderTest::bits).sorted().toList());
    }

    private static String bits(Prediction p) {
        StringBuilder s = new StringBuilder(p.key()).append('@').append(p.timestamp());
        for (float y : p.outputs()) {
            s.append(' ').append(Integer.toHexString(Float.floatToRawIntBits(y)));
        }
        return s.toString();
    }

    private static void process(Harness h, RnnEvent e) {
        try {
            h.processElement1(e, e.timestamp());
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }
}
