package io.flinkrnn.jobs.run;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Starting and stopping the Kafka job in a test's MiniCluster; every wait has a deadline. */
final class KafkaJobs {

    private static final long WAIT_SECONDS = 60;

    private KafkaJobs() {}

    /** Builds the job from {@code settings} as {@code flink-rnn run} would and waits until it runs. */
    static JobClient submit(Map<String, String> settings, String name) throws Exception {
        RunConfig config = RunConfig.of(settings);
        StreamExecutionEnvironment env = KafkaRnnJob.environment(config);
        KafkaRnnJob.build(env, config);
        JobClient job = env.executeAsync(name);
        awaitStatus(job, "running", status -> status == JobStatus.RUNNING);
        return job;
    }

    static void cancel(JobClient job) throws Exception {
        job.cancel().get(WAIT_SECONDS, TimeUnit.SECONDS);
        awaitStatus(job, "over", JobStatus::isGloballyTerminalState);
    }

    /** Stops the job with a savepoint, its event time where it is (no final watermark), and returns the savepoint. */
    static Path stopWithSavepoint(JobClient job, Path dir) throws Exception {
        String savepoint = job.stopWithSavepoint(false, dir.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(WAIT_SECONDS, TimeUnit.SECONDS);
        awaitStatus(job, "over", JobStatus::isGloballyTerminalState);
        return Path.of(java.net.URI.create(savepoint));
    }

    /** Polls the job's status until it is {@code what}. */
    static void awaitStatus(JobClient job, String what, Predicate<JobStatus> reached) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        JobStatus status = job.getJobStatus().get(10, TimeUnit.SECONDS);
        while (!reached.test(status)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "job " + job.getJobID() + " not " + what + " after " + WAIT_SECONDS + " s: " + status);
            }
            Thread.sleep(50);
            status = job.getJobStatus().get(10, TimeUnit.SECONDS);
        }
    }
}
