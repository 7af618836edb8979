package io.flinkrnn.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * Jobs of the MiniCluster tests: an environment on a chosen backend that checkpoints into one
 * directory, phases of fixture events, and a run that stops with a savepoint once it has seen its
 * outputs.
 */
final class ClusterJobs {

    private ClusterJobs() {}

    static StreamExecutionEnvironment env(Path checkpoints, int parallelism, String backend, Configuration conf) {
        conf.set(StateBackendOptions.STATE_BACKEND, backend);
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        if (!conf.contains(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS)) {
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
        }
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(50));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        env.enableCheckpointing(100);
        return env;
    }

    /** A job that restarts forever: one that fails for good shows it stops, a crash loop never ends. */
    static Configuration restartingForever(Configuration conf) {
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, Integer.MAX_VALUE);
        return conf;
    }

    static Configuration restoreFrom(String savepoint) {
        Configuration restore = new Configuration();
        if (savepoint != null) {
            restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            restore.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
        }
        return restore;
    }

    static DataStream<Prediction> inference(RnnInference inference, DataStream<RnnEvent> events) {
        return inference
                .bundle(32, Duration.ofMillis(5))
                .apply(events.keyBy(RnnEvent::key))
                .predictions()
                .uid("flink-rnn");
    }

    /** Events {@code [from, to)} of one phase; with {@code idle}, the job then waits to be stopped. */
    static DataStream<RnnEvent> phase(
            StreamExecutionEnvironment env, List<RnnEvent> events, int from, int to, int phase, boolean idle) {
        return env.fromSource(
                        FixtureEvents.source(events, from, to, 5_000, idle),
                        WatermarkStrategy.noWatermarks(),
                        "events-" + phase)
                .uid("events-" + phase)
                .setParallelism(1)
                // Drops the filler; parallelism 1 keeps each key's events in order.
                .filter(e -> !e.key().isEmpty())
                .setParallelism(1);
    }

    static List<Prediction> collect(DataStream<Prediction> predictions) throws Exception {
        List<Prediction> out = new ArrayList<>();
        try (CloseableIterator<Prediction> it = predictions.executeAndCollect("flink-rnn test")) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    /** Runs until {@code expected} outputs arrived, then stops with a canonical savepoint and returns its path. */
    static String runUntilThenStop(
            StreamExecutionEnvironment env,
            Path checkpoints,
            DataStream<Prediction> predictions,
            int expected,
            List<Prediction> into)
            throws Exception {
        return runUntilThenStop(env, checkpoints, predictions, expected, into, SavepointFormatType.CANONICAL);
    }

    static String runUntilThenStop(
            StreamExecutionEnvironment env,
            Path checkpoints,
            DataStream<Prediction> predictions,
            int expected,
            List<Prediction> into,
            SavepointFormatType format)
            throws Exception {
        CloseableIterator<Prediction> it =
                predictions.map((MapFunction<Prediction, Prediction>) p -> p).collectAsync();
        JobClient job = env.executeAsync("flink-rnn savepoint phase");
        for (int i = 0; i < expected; i++) {
            assertThat(it.hasNext()).isTrue();
            into.add(it.next());
        }
        String path = job.stopWithSavepoint(
                        false, checkpoints.resolve("savepoints").toUri().toString(), format)
                .get(2, TimeUnit.MINUTES);
        it.close();
        return path;
    }
}
