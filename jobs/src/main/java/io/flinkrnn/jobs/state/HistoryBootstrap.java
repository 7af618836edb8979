package io.flinkrnn.jobs.state;

import io.flinkrnn.operators.OperatorFacts;
import io.flinkrnn.operators.internal.RnnSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.OperatorTransformation;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.state.api.StateBootstrapTransformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.FileUtils;

/**
 * {@link RnnStates#bootstrap} in two passes: the history CSV is split by key into buckets in a
 * temporary directory ({@link HistoryCsv#spill}), then a job reads the buckets in parallel, serves
 * each bucket's keys ({@link HistoryStepper}) and writes each key's state once ({@link
 * SavedKeyWriter}): the state backend is never asked for a state it holds, so RocksDB only takes
 * puts. The directory is deleted at the end, whatever happened.
 */
final class HistoryBootstrap {

    private static final long PROGRESS_SECONDS = 5;

    private final RnnSettings settings;
    private final int features;
    private final OperatorFacts facts;
    private final Consumer<String> progress;

    HistoryBootstrap(RnnSettings settings, int features, OperatorFacts facts, Consumer<String> progress) {
        this.settings = settings;
        this.features = features;
        this.facts = facts;
        this.progress = progress;
    }

    HistoryCsv.Scan write(Path history, String out, int maxParallelism, String uid, StateBackend backend, Path tempDir)
            throws Exception {
        Path buckets = bucketDirectory(tempDir);
        try {
            HistoryCsv.Spill spill = HistoryCsv.spill(history, features, buckets, progress);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            DataStream<SavedKey> keys = env.fromSequence(0, spill.buckets() - 1)
                    .name("buckets of " + history.getFileName())
                    .flatMap(new HistoryStepper(settings, buckets))
                    .returns(TypeInformation.of(SavedKey.class))
                    .name("serve each key's history");
            StateBootstrapTransformation<SavedKey> states = OperatorTransformation.bootstrapWith(keys)
                    .setMaxParallelism(maxParallelism)
                    .keyBy(SavedKey::key, Types.STRING)
                    .transform(new SavedKeyWriter(facts, false, settings.statePrecision()));
            SavepointWriter.newSavepoint(env, backend, maxParallelism)
                    .withOperator(OperatorIdentifier.forUid(uid), states)
                    .write(out);
            JobExecutionResult result = run(env, spill.buckets());
            HistoryBuckets.Rejection first =
                    spill.first().earlier(result.getAccumulatorResult(HistoryStepper.FIRST_REJECTION));
            return new HistoryCsv.Scan(
                    result.<Long>getAccumulatorResult(HistoryStepper.KEYS),
                    result.<Long>getAccumulatorResult(HistoryStepper.EVENTS),
                    spill.rejected() + result.<Long>getAccumulatorResult(HistoryStepper.REJECTED),
                    first.equals(HistoryBuckets.Rejection.NONE)
                            ? null
                            : history + " line " + first.line() + ": " + first.reason());
        } finally {
            FileUtils.deleteDirectory(buckets.toFile());
        }
    }

    private static Path bucketDirectory(Path tempDir) {
        try {
            return Files.createTempDirectory(tempDir, "flink-rnn-bootstrap-");
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot make a directory for the history's buckets in " + tempDir + ": " + e.getMessage());
        }
    }

    /** Runs the job, telling {@code progress} the keys served so far every few seconds. */
    private JobExecutionResult run(StreamExecutionEnvironment env, int buckets) throws Exception {
        JobClient job = env.executeAsync("flink-rnn state bootstrap");
        while (true) {
            try {
                return job.getJobExecutionResult().get(PROGRESS_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException running) {
                Map<String, Object> counts;
                try {
                    counts = job.getAccumulators().get(PROGRESS_SECONDS, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException finishing) {
                    // The job ended (a local cluster shuts down with it) between the two calls:
                    // its result, next, says how.
                    continue;
                }
                progress.accept(String.format(
                        "%,d keys served (%,d events) from %d buckets",
                        (Long) counts.getOrDefault(HistoryStepper.KEYS, 0L),
                        (Long) counts.getOrDefault(HistoryStepper.EVENTS, 0L),
                        buckets));
            }
        }
    }
}
