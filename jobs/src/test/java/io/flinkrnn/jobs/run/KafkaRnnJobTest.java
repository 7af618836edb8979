package io.flinkrnn.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.jobs.cli.FlinkRnnCli;
import io.flinkrnn.jobs.demo.SensorSignal;
import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run job end to end against a real KRaft broker: a Keras fixture's events go in as JSON, the
 * job is cancelled while events still arrive and restarted from its last retained checkpoint, and
 * the read_committed output must be Keras's outputs, each exactly once, in order per key. Malformed
 * records in between land in the dead-letter topic with their reasons and never stop the job.
 */
class KafkaRnnJobTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .build());

    private static final Fixture FIXTURE = Fixture.named("keras3_stacked_long");
    private static final String EVENTS = "events";
    private static final String PREDICTIONS = "predictions";
    private static final String DEAD_LETTERS = "dead-letters";

    @RegisterExtension
    static final KafkaBroker KAFKA =
            KafkaBroker.forTests().topic(EVENTS, 2).topic(PREDICTIONS, 2).topic(DEAD_LETTERS, 1);

    @TempDir
    Path checkpoints;

    /** Malformed records, each with the reason the dead letter must give. */
    private static final Map<String, String> MALFORMED = new LinkedHashMap<>();

    static {
        MALFORMED.put("{\"key\": \"long-0\", \"ts\": 3, \"x\": [0.1, 0.2", "not JSON");
        MALFORMED.put("{\"key\": \"k1\", \"ts\": 7, \"x\": [0.5, 0.5]}", "expected 4 features, got 2");
        MALFORMED.put("{\"key\": \"sensor-2\", \"ts\": 9, \"x\": [NaN, 0, 0, 0]}", "feature x0 is NaN");
        MALFORMED.put("{\"ts\": 11, \"x\": [1, 2, 3, 4]}", "\"key\" is missing or not a string");
    }

    @Test
    void killedMidStreamAndRestartedFromItsCheckpointGivesKerasOutputsExactlyOnce() throws Exception {
        List<byte[]> records = interleavedEvents();
        int expectedOutputs = FIXTURE.expectedRows().size();
        AtomicInteger produced = new AtomicInteger();
        CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> produce(records, 250, produced));

        try (KafkaTopics.Reader reader =
                new KafkaTopics.Reader(KAFKA.bootstrapServers(), Map.of(PREDICTIONS, 2, DEAD_LETTERS, 1))) {
            JobClient first = KafkaJobs.submit(settings(null), "flink-rnn kafka e2e");
            int beforeKill = reader.awaitAtLeast(PREDICTIONS, expectedOutputs / 2, Duration.ofSeconds(40))
                    .size();
            KafkaJobs.cancel(first);
            assertThat(beforeKill)
                    .as("outputs committed before the kill")
                    .isBetween(expectedOutputs / 2, expectedOutputs - 1);
            assertThat(produced.get())
                    .as("events produced when the job was killed")
                    .isLessThan(records.size());

            Path checkpoint =
                    latestCheckpoint(checkpoints.resolve(first.getJobID().toString()));
            JobClient second = KafkaJobs.submit(settings(checkpoint), "flink-rnn kafka e2e, restarted");
            reader.awaitAtLeast(PREDICTIONS, expectedOutputs, Duration.ofSeconds(60));
            reader.awaitAtLeast(DEAD_LETTERS, MALFORMED.size(), Duration.ofSeconds(10));
            producer.get(10, TimeUnit.SECONDS);
            // Anything late (a duplicate) would show up within a few more checkpoints.
            Thread.sleep(1000);
            reader.drain(Duration.ofMillis(500));
            KafkaJobs.cancel(second);

            KafkaTopics.assertPredictionsMatch(reader.records(PREDICTIONS), FIXTURE.expectedRows(), "stacked-long-v1");
            assertDeadLetters(reader.records(DEAD_LETTERS));
        }
    }

    @Test
    void produceWritesTheDemoSensorsAsJsonEventsKeyedBySensor() throws Exception {
        KAFKA.createTopic("sensors", 1);
        int exit = FlinkRnnCli.commandLine()
                .execute(
                        "produce",
                        "--bootstrap-servers",
                        KAFKA.bootstrapServers(),
                        "--topic",
                        "sensors",
                        "--keys",
                        "3",
                        "--events",
                        "30",
                        "--rate",
                        "1000");
        assertThat(exit).isZero();
        try (KafkaTopics.Reader reader = new KafkaTopics.Reader(KAFKA.bootstrapServers(), Map.of("sensors", 1))) {
            List<JsonNode> events = reader.awaitAtLeast("sensors", 30, Duration.ofSeconds(20));
            assertThat(events).hasSize(30);
            for (int i = 0; i < 30; i++) {
                JsonNode e = events.get(i);
                assertThat(e.get("key").asText()).isEqualTo(SensorSignal.sensor(i % 3));
                assertThat(e.get("ts").asLong()).isEqualTo(i / 3);
                assertThat(e.get("x").get(0).floatValue()).isEqualTo(SensorSignal.reading(i % 3, i / 3));
            }
        }
    }

    private Map<String, String> settings(Path restoreFrom) {
        Map<String, String> s = new HashMap<>();
        s.put("flink-rnn.model.path", FIXTURE.file("keras").orElseThrow().toString());
        s.put("flink-rnn.model.version", "stacked-long-v1");
        s.put("flink-rnn.mode", FIXTURE.mode());
        s.put("flink-rnn.bundle.max-events", "32");
        s.put("flink-rnn.bundle.max-delay", "5 ms");
        s.put("flink-rnn.kafka.bootstrap-servers", KAFKA.bootstrapServers());
        s.put("flink-rnn.kafka.topic", EVENTS);
        s.put("flink-rnn.kafka.output-topic", PREDICTIONS);
        s.put("flink-rnn.kafka.dead-letter-topic", DEAD_LETTERS);
        s.put("flink-rnn.kafka.group-id", "e2e");
        s.put("flink-rnn.kafka.transactional-id-prefix", "e2e");
        s.put("execution.checkpointing.interval", "200 ms");
        s.put("execution.checkpointing.dir", checkpoints.toUri().toString());
        s.put("state.backend.type", "rocksdb");
        s.put("parallelism.default", "2");
        if (restoreFrom != null) {
            s.put("execution.state-recovery.path", restoreFrom.toUri().toString());
        }
        return s;
    }

    /** The highest {@code chk-N} that holds its metadata, i.e. a completed checkpoint. */
    private static Path latestCheckpoint(Path jobDir) throws IOException {
        try (Stream<Path> dirs = Files.list(jobDir)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("chk-"))
                    .filter(d -> Files.exists(d.resolve("_metadata")))
                    .max(Comparator.comparingInt(
                            d -> Integer.parseInt(d.getFileName().toString().substring(4))))
                    .orElseThrow(() -> new AssertionError("no completed checkpoint in " + jobDir));
        }
    }

    /** The fixture's events as JSON, keys interleaved by step, with the malformed records spread in. */
    private static List<byte[]> interleavedEvents() {
        List<CsvRow> rows = new ArrayList<>(FIXTURE.eventRows());
        rows.sort(Comparator.comparingLong(CsvRow::t));
        List<byte[]> records = new ArrayList<>();
        List<String> bad = new ArrayList<>(MALFORMED.keySet());
        int every = rows.size() / (bad.size() + 1);
        for (int i = 0; i < rows.size(); i++) {
            if (i > 0 && i % every == 0 && i / every <= bad.size()) {
                records.add(bad.get(i / every - 1).getBytes(StandardCharsets.UTF_8));
            }
            records.add(KafkaTopics.event(rows.get(i)));
        }
        return records;
    }

    /** Sends the records keyed by their event key (one partition per key), at {@code perSecond}. */
    private static void produce(List<byte[]> records, int perSecond, AtomicInteger produced) {
        try (KafkaProducer<byte[], byte[]> producer = KafkaTopics.producer(KAFKA.bootstrapServers())) {
            for (byte[] value : records) {
                producer.send(new ProducerRecord<>(EVENTS, KafkaTopics.recordKey(value), value));
                produced.incrementAndGet();
                Thread.sleep(1000 / perSecond);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void assertDeadLetters(List<JsonNode> letters) {
        assertThat(letters).as("dead letters, each once").hasSize(MALFORMED.size());
        Map<String, String> reasonByPayload = new HashMap<>();
        letters.forEach(l -> {
            assertThat(l.get("stage").asText()).isEqualTo("parse");
            assertThat(l.get("origin").asText()).startsWith(EVENTS + "-");
            reasonByPayload.put(l.get("payload").asText(), l.get("reason").asText());
        });
        MALFORMED.forEach((payload, reason) -> assertThat(reasonByPayload.get(payload))
                .as("reason for %s", payload)
                .startsWith(reason));
    }
}
