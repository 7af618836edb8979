package io.flinkrnn.operators;

import static io.flinkrnn.operators.ClusterJobs.inference;
import static io.flinkrnn.operators.ClusterJobs.phase;
import static io.flinkrnn.operators.ClusterJobs.restoreFrom;
import static io.flinkrnn.operators.KerasOutputs.assertMatches;
import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Idle TTL across real stop-with-savepoint and restore, on the wall clock Flink's state TTL uses:
 * each key's last write time travels in the savepoint, so after the restore a key quiet for longer
 * than the TTL starts from zero state and the others continue exactly as Keras does, on another
 * backend and parallelism. {@link RescaledRestoreTest} covers the same in the operator harness,
 * where the test moves the TTL clock.
 */
@Timeout(300)
class IdleTtlClusterTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(3)
            .build());

    private static final Fixture LSTM_SEQ = Fixture.named("keras3_lstm_seq");
    private static final int COPIES = 6;
    /** Long enough to stop one job and restore the next within it on a busy machine. */
    private static final Duration TTL = Duration.ofSeconds(15);

    @TempDir
    Path checkpoints;

    /**
     * The even copies of each key get the first half of their events, and the job stops with a
     * savepoint; after the TTL has passed a job restored from it gives the odd copies their first
     * half and stops with a second savepoint; a job restored from that at once serves the whole
     * fixture to the even copies, which must start over, and the second half to the odd copies, which
     * must continue.
     */
    @Test
    void keysIdleLongerThanTheTtlStartFreshAfterARestoreAndTheOthersContinue() throws Exception {
        int rows = LSTM_SEQ.eventRows().size();
        int half = rows / 2;
        Predicate<CsvRow> even =
                r -> Integer.parseInt(r.key().substring(1, r.key().indexOf('/'))) % 2 == 0;
        List<CsvRow> head = KeyCopies.rows(LSTM_SEQ.eventRows(), 0, half, COPIES);
        List<CsvRow> headOutputs = KeyCopies.rows(LSTM_SEQ.expectedRows(), 0, half, COPIES);

        List<CsvRow> idleHead = head.stream().filter(even).toList();
        List<Prediction> outputs = new ArrayList<>();
        String quiet = runThenStop(null, 1, idleHead, outputs);
        long idleSince = System.nanoTime();
        assertMatches(outputs, headOutputs.stream().filter(even).toList());

        Thread.sleep(
                TTL.toMillis() - Duration.ofNanos(System.nanoTime() - idleSince).toMillis() + 1_000);
        outputs.clear();
        String active =
                runThenStop(quiet, 2, head.stream().filter(even.negate()).toList(), outputs);
        long activeSince = System.nanoTime();
        assertMatches(outputs, headOutputs.stream().filter(even.negate()).toList());

        List<CsvRow> again = new ArrayList<>(KeyCopies.rows(LSTM_SEQ.eventRows(), 0, rows, COPIES).stream()
                .filter(even)
                .toList());
        again.addAll(KeyCopies.rows(LSTM_SEQ.eventRows(), half, rows, COPIES).stream()
                .filter(even.negate())
                .toList());
        List<RnnEvent> events = KerasOutputs.events(again);
        StreamExecutionEnvironment env = ClusterJobs.env(checkpoints, 3, "rocksdb", restoreFrom(active));
        List<Prediction> restored =
                ClusterJobs.collect(inference(withTtl(), phase(env, events, 0, events.size(), 3, false)));
        assertThat(Duration.ofNanos(System.nanoTime() - activeSince))
                .as("the restored job served the odd copies within the TTL of their last write")
                .isLessThan(TTL);

        List<CsvRow> expected = new ArrayList<>(KeyCopies.rows(LSTM_SEQ.expectedRows(), 0, rows, COPIES).stream()
                .filter(even)
                .toList());
        expected.addAll(KeyCopies.rows(LSTM_SEQ.expectedRows(), half, rows, COPIES).stream()
                .filter(even.negate())
                .toList());
        assertMatches(restored, expected);
    }

    /**
     * A job at parallelism 2 on hashmap, restored from {@code savepoint} if any, stopped with a
     * savepoint after {@code rows}; each phase's source has a uid of its own, so none resumes another's.
     */
    private String runThenStop(String savepoint, int phase, List<CsvRow> rows, List<Prediction> into) throws Exception {
        StreamExecutionEnvironment env = ClusterJobs.env(checkpoints, 2, "hashmap", restoreFrom(savepoint));
        List<RnnEvent> events = KerasOutputs.events(rows);
        DataStream<Prediction> predictions = inference(withTtl(), phase(env, events, 0, events.size(), phase, true));
        return ClusterJobs.runUntilThenStop(env, checkpoints, predictions, rows.size(), into);
    }

    private static RnnInference withTtl() {
        return RnnInference.forModel(ModelSource.of(LSTM_SEQ.file("keras").orElseThrow()))
                .idleTtl(TTL);
    }
}
