package io.flinkrnn.operators;

import static io.flinkrnn.operators.KerasOutputs.assertMatches;

import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.operators.internal.RnnSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Idle TTL across a restore that also rescales, in Flink's operator harness whose TTL clock the test
 * moves: each key's last write time travels with its state, so after the restore a key quiet for
 * longer than the TTL starts over and the others continue, whichever subtask they land on.
 */
class RescaledRestoreTest {

    private static final Fixture LSTM_SEQ = Fixture.named("keras3_lstm_seq");
    private static final int COPIES = 6;
    private static final long TTL = Duration.ofMinutes(1).toMillis();

    /**
     * At parallelism 1, the even copies of each key get the first half of their events at TTL time
     * 0 and the odd copies at 50 s. Restored on 2 subtasks at 90 s: the even copies have expired and
     * the whole fixture gives Keras's outputs from the first row again; the odd copies continue with
     * the second half as Keras does.
     */
    @ParameterizedTest(name = "rocksdb={0}")
    @ValueSource(booleans = {false, true})
    void idleTtlHoldsAcrossARestoreOnTwoSubtasks(boolean rocksdb) throws Exception {
        Configuration c = new Configuration();
        c.set(RnnOptions.BUNDLE_MAX_EVENTS, 1);
        c.set(RnnOptions.BUNDLE_MAX_DELAY, Duration.ZERO);
        c.set(RnnOptions.IDLE_TTL, Duration.ofMillis(TTL));
        RnnSettings settings =
                RnnSettings.from(ModelSource.of(LSTM_SEQ.file("keras").orElseThrow()), c);
        int rows = LSTM_SEQ.eventRows().size();
        int half = rows / 2;
        Predicate<CsvRow> even =
                r -> Integer.parseInt(r.key().substring(1, r.key().indexOf('/'))) % 2 == 0;
        List<CsvRow> head = KeyCopies.rows(LSTM_SEQ.eventRows(), 0, half, COPIES);
        List<Prediction> outputs = new ArrayList<>();
        OperatorSubtaskState snapshot;
        try (RnnInferenceOperatorTest.Harness h = harness(settings, 1, 0, rocksdb, null)) {
            h.setTtlTime(0);
            feed(h, head.stream().filter(even).toList());
            h.setTtlTime(50_000);
            feed(h, head.stream().filter(even.negate()).toList());
            h.prepareSnapshotPreBarrier(1);
            snapshot = h.snapshot(1, 1);
            outputs.addAll(h.predictions());
        }

        List<CsvRow> again = new ArrayList<>(KeyCopies.rows(LSTM_SEQ.eventRows(), 0, rows, COPIES).stream()
                .filter(even)
                .toList());
        again.addAll(KeyCopies.rows(LSTM_SEQ.eventRows(), half, rows, COPIES).stream()
                .filter(even.negate())
                .toList());
        for (int subtask = 0; subtask < 2; subtask++) {
            OperatorSubtaskState part = AbstractStreamOperatorTestHarness.repartitionOperatorState(
                    snapshot, RnnInferenceOperatorTest.Harness.MAX_PARALLELISM, 1, 2, subtask);
            try (RnnInferenceOperatorTest.Harness h = harness(settings, 2, subtask, rocksdb, part)) {
                h.setTtlTime(90_000);
                int owner = subtask;
                feed(h, again.stream().filter(r -> ownerOf(r.key()) == owner).toList());
                h.finish();
                outputs.addAll(h.predictions());
            }
        }

        List<CsvRow> expected = new ArrayList<>(KeyCopies.rows(LSTM_SEQ.expectedRows(), 0, half, COPIES));
        expected.addAll(KeyCopies.rows(LSTM_SEQ.expectedRows(), 0, rows, COPIES).stream()
                .filter(even)
                .toList());
        expected.addAll(KeyCopies.rows(LSTM_SEQ.expectedRows(), half, rows, COPIES).stream()
                .filter(even.negate())
                .toList());
        assertMatches(outputs, expected);
    }

    private static RnnInferenceOperatorTest.Harness harness(
            RnnSettings settings, int parallelism, int subtask, boolean rocksdb, OperatorSubtaskState restore)
            throws Exception {
        RnnInferenceOperatorTest.Harness h = new RnnInferenceOperatorTest.Harness(settings, parallelism, subtask);
        if (rocksdb) {
            h.setStateBackend(new EmbeddedRocksDBStateBackend());
        }
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        return h;
    }

    private static int ownerOf(String key) {
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(
                key, RnnInferenceOperatorTest.Harness.MAX_PARALLELISM, 2);
    }

    private static void feed(RnnInferenceOperatorTest.Harness h, List<CsvRow> rows) throws Exception {
        for (RnnEvent e : KerasOutputs.events(rows)) {
            h.processElement1(e, e.timestamp());
        }
    }
}
