package io.flinkrnn.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.engine.ops.VectorModule;
import io.flinkrnn.jobs.cli.FlinkRnnCli;
import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flink-rnn run} as a supervisor starts it: a JVM of its own, which relaunches itself with the
 * Vector API module unless it was started with it. Whatever ends the process that was started —
 * {@code kill -9} or SIGTERM — ends the job: no JVM of it stays behind.
 */
class RunProcessTest {

    private static final Fixture FIXTURE = Fixture.named("keras3_stacked_long");
    private static final Duration JOB_UP = Duration.ofSeconds(90);
    /** The relaunched JVM polls for its launcher (at most every 5 s) and may take 10 s to shut down. */
    private static final Duration GONE = Duration.ofSeconds(30);

    @TempDir
    static Path brokerDir;

    private static KafkaBroker kafka;

    @TempDir
    Path dir;

    private final List<ProcessHandle> started = new ArrayList<>();

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = KafkaBroker.start(brokerDir);
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    /** A failed test must not leave its JVMs running either. */
    @AfterEach
    void killLeftovers() {
        for (ProcessHandle p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    @Test
    void killDashNineOfTheStartedProcessEndsTheRelaunchedJob() throws Exception {
        Process launcher = start("kill9");
        ProcessHandle job = relaunchedJvm(launcher, "kill9");
        awaitPredictions("kill9");

        launcher.destroyForcibly(); // SIGKILL: no shutdown hook runs in the launcher
        assertThat(launcher.waitFor(GONE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertGone(job);
    }

    @Test
    void sigtermOfTheStartedProcessStopsTheRelaunchedJobFirst() throws Exception {
        Process launcher = start("sigterm");
        ProcessHandle job = relaunchedJvm(launcher, "sigterm");
        awaitPredictions("sigterm");

        launcher.destroy(); // SIGTERM
        assertThat(launcher.waitFor(GONE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(job.isAlive())
                .as("the job's JVM, once its launcher has exited")
                .isFalse();
    }

    @Test
    void startedWithTheVectorModuleTheStartedProcessRunsTheJobItself() throws Exception {
        Process process = start("direct", VectorModule.FLAG);
        awaitPredictions("direct");
        assertThat(process.toHandle().children().toList())
                .as("JVMs the started process launched")
                .isEmpty();
        process.destroyForcibly();
        assertThat(process.waitFor(GONE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    }

    /** Starts {@code flink-rnn run} on this test's topics, with the classpath of the tests. */
    private Process start(String name, String... jvmFlags) throws Exception {
        kafka.createTopic(name + "-events", 1);
        kafka.createTopic(name + "-predictions", 1);
        kafka.createTopic(name + "-dead-letters", 1);
        produceEvents(name + "-events");
        Path config = dir.resolve("run.properties");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "flink-rnn.model.path=" + FIXTURE.file("keras").orElseThrow(),
                        "flink-rnn.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
                        "flink-rnn.kafka.topic=" + name + "-events",
                        "flink-rnn.kafka.output-topic=" + name + "-predictions",
                        "flink-rnn.kafka.dead-letter-topic=" + name + "-dead-letters",
                        "flink-rnn.kafka.transactional-id-prefix=" + name,
                        "execution.checkpointing.interval=200 ms",
                        "execution.checkpointing.dir="
                                + dir.resolve("checkpoints").toUri(),
                        "state.backend.type=hashmap",
                        "parallelism.default=1"));
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(List.of(jvmFlags));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), FlinkRnnCli.class.getName()));
        command.addAll(List.of("run", "--config", config.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        builder.environment().remove("FLINK_RNN_NO_RELAUNCH");
        builder.environment().remove("FLINK_RNN_RELAUNCHED");
        // Both JVMs, launcher and relaunched, read this; keeps them small on a shared machine.
        builder.environment().put("JAVA_TOOL_OPTIONS", "-Xmx512m");
        builder.environment().put("FLINK_RNN_LOG_LEVEL", "WARN");
        Process process = builder.start();
        started.add(process.toHandle());
        return process;
    }

    /** The JVM {@code launcher} relaunched itself as, once it is there. */
    private ProcessHandle relaunchedJvm(Process launcher, String name) throws Exception {
        long deadline = System.nanoTime() + JOB_UP.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<ProcessHandle> child = launcher.toHandle().children().findFirst();
            if (child.isPresent()) {
                started.add(child.get());
                return child.get();
            }
            assertThat(launcher.isAlive())
                    .as("launcher alive; its log: %s", readLog(name))
                    .isTrue();
            Thread.sleep(50);
        }
        throw new AssertionError("no relaunched JVM within " + JOB_UP);
    }

    /** Waits for the first committed prediction: the job is running. */
    private void awaitPredictions(String name) {
        try (KafkaTopics.Reader reader =
                new KafkaTopics.Reader(kafka.bootstrapServers(), Map.of(name + "-predictions", 1))) {
            assertThat(reader.awaitAtLeast(name + "-predictions", 1, JOB_UP))
                    .as("predictions of the started job; its log: %s", readLog(name))
                    .isNotEmpty();
        }
    }

    private static void assertGone(ProcessHandle job) throws Exception {
        try {
            job.onExit().get(GONE.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(
                    "the relaunched JVM " + job.pid() + " still runs " + GONE + " after its launcher died");
        }
    }

    private static void produceEvents(String topic) {
        try (KafkaProducer<byte[], byte[]> producer = KafkaTopics.producer(kafka.bootstrapServers())) {
            for (CsvRow r : FIXTURE.eventRows()) {
                if (!r.key().equals("k1")) {
                    continue;
                }
                producer.send(
                        new ProducerRecord<>(topic, r.key().getBytes(StandardCharsets.UTF_8), KafkaTopics.event(r)));
            }
        }
    }

    private String readLog(String name) {
        try {
            return Files.readString(dir.resolve(name + ".log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
