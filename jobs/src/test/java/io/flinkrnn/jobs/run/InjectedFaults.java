package io.flinkrnn.jobs.run;

import io.flinkrnn.operators.Prediction;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Test-only fault injection into a running Kafka job, through {@code KafkaRnnJob.build}'s
 * package-private {@link KafkaRnnJob.Taps}, which no production path reaches. {@link #TAPS} chains
 * {@link Injector} between the inference operator and the predictions sink, so it runs in the
 * inference operator's task and thread: an exception it throws while a prediction passes is thrown
 * from inside the bundle being served. It also wraps the predictions sink in a {@link
 * CommitFaultSink}, whose committer fails where a completed checkpoint's transaction waits.
 * The MiniCluster runs in the test's JVM, so the test arms one fault at a time through these
 * statics and the first subtask that meets it fires it, once.
 */
final class InjectedFaults {

    /** The failure windows the harness can hit. */
    enum Kind {
        /** An exception inside the inference operator while a bundle is served. */
        WHILE_SERVING_A_BUNDLE,
        /** An exception in the synchronous snapshot, after prepareSnapshotPreBarrier flushed the bundle. */
        IN_SNAPSHOT_STATE,
        /** A crash once a checkpoint completed, before every sink's transaction of it is committed. */
        IN_NOTIFY_CHECKPOINT_COMPLETE,
        /**
         * A crash in the predictions sink's committer once a checkpoint completed, before it commits
         * that checkpoint's Kafka transactions ({@link CommitFaultSink}).
         */
        BEFORE_TRANSACTION_COMMIT,
        /** A Kafka broker restart while the job runs, well within the transaction timeout. */
        BROKER_RESTART
    }

    private static final AtomicReference<Kind> ARMED = new AtomicReference<>();
    /** Predictions still to pass after arming before the armed fault may fire. */
    private static final AtomicLong COUNTDOWN = new AtomicLong();

    private static final AtomicInteger FIRED = new AtomicInteger();
    private static final AtomicLong PREDICTIONS = new AtomicLong();
    /** Subtasks that started from a restored checkpoint, over all restarts. */
    private static final AtomicInteger RESTORED_SUBTASKS = new AtomicInteger();
    /** A checkpoint completed since the job last (re)started: a failure now restores from a checkpoint. */
    private static volatile boolean checkpointedSinceStart;

    private InjectedFaults() {}

    /** The injector behind the inference operator, and the committer that can fail before its commit. */
    static final KafkaRnnJob.Taps TAPS = new KafkaRnnJob.Taps(InjectedFaults::tap, CommitFaultSink::new);

    /** Chained to the inference operator (Flink's default, ChainingStrategy.ALWAYS): same task, same thread. */
    private static DataStream<Prediction> tap(DataStream<Prediction> predictions) {
        return predictions
                .transform("injected-faults", predictions.getType(), new Injector())
                .uid("injected-faults");
    }

    /**
     * The seed of a fault test's draw, printed: {@code fixed} unless {@code -Dflinkrnn.faults.seed=N}
     * replays another draw or {@code =random} asks for a fresh one. mvn verify draws the same failure
     * points every build, so its verdict never depends on the draw.
     */
    static long seed(String test, long fixed) {
        String property = System.getProperty("flinkrnn.faults.seed", String.valueOf(fixed));
        long seed = property.equals("random") ? new Random().nextLong() : Long.parseLong(property);
        System.out.println(test + " seed=" + seed + " (replay: -Dflinkrnn.faults.seed=" + seed + ")");
        return seed;
    }

    /** Arms {@code kind} to fire after {@code afterPredictions} more predictions, at its next chance. */
    static void arm(Kind kind, long afterPredictions) {
        COUNTDOWN.set(afterPredictions);
        ARMED.set(kind);
    }

    static boolean armed() {
        return ARMED.get() != null;
    }

    static int fired() {
        return FIRED.get();
    }

    static long predictions() {
        return PREDICTIONS.get();
    }

    static int restoredSubtasks() {
        return RESTORED_SUBTASKS.get();
    }

    static boolean checkpointedSinceStart() {
        return checkpointedSinceStart;
    }

    static void reset() {
        ARMED.set(null);
        FIRED.set(0);
        PREDICTIONS.set(0);
        RESTORED_SUBTASKS.set(0);
        checkpointedSinceStart = false;
    }

    /** Called by {@link CommitFaultSink}'s committer before it commits {@code transactions}. */
    static void beforeCommit(int transactions) {
        fireIf(Kind.BEFORE_TRANSACTION_COMMIT, "before committing " + transactions + " transactions");
    }

    private static void fireIf(Kind kind, String where) {
        if (checkpointedSinceStart && COUNTDOWN.get() <= 0 && ARMED.compareAndSet(kind, null)) {
            FIRED.incrementAndGet();
            throw new InjectedFault(kind + " " + where);
        }
    }

    /** The failure the harness throws; its name says it is not a bug. */
    static final class InjectedFault extends RuntimeException {
        InjectedFault(String what) {
            super("injected fault: " + what);
        }
    }

    /** Passes predictions on, and fails where and when the test armed it. */
    private static final class Injector extends AbstractStreamOperator<Prediction>
            implements OneInputStreamOperator<Prediction, Prediction> {

        @Override
        public void initializeState(StateInitializationContext context) throws Exception {
            super.initializeState(context);
            // All subtasks restart before any new checkpoint can complete, so no reset hides one;
            // the test waits for every subtask's restore before it trusts the flag again.
            checkpointedSinceStart = false;
            if (context.isRestored()) {
                RESTORED_SUBTASKS.incrementAndGet();
            }
        }

        @Override
        public void processElement(StreamRecord<Prediction> element) {
            PREDICTIONS.incrementAndGet();
            COUNTDOWN.decrementAndGet();
            fireIf(
                    Kind.WHILE_SERVING_A_BUNDLE,
                    "while serving a bundle at " + element.getValue().key());
            output.collect(element);
        }

        @Override
        public void snapshotState(StateSnapshotContext context) throws Exception {
            super.snapshotState(context);
            fireIf(Kind.IN_SNAPSHOT_STATE, "in snapshotState of checkpoint " + context.getCheckpointId());
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            super.notifyCheckpointComplete(checkpointId);
            checkpointedSinceStart = true;
            fireIf(Kind.IN_NOTIFY_CHECKPOINT_COMPLETE, "after checkpoint " + checkpointId + " completed");
        }
    }
}
