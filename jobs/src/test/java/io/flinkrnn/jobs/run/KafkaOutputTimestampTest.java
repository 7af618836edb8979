package io.flinkrnn.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Output record timestamps against a real broker that checks retention every 200 ms and keeps
 * records for one day: events whose {@code ts} counts steps, epoch seconds or epoch microseconds must
 * all leave outputs that Kafka neither deletes (a 1970 timestamp is far past a day's retention) nor
 * refuses (microseconds are centuries ahead), with no restart of the job: its restart strategy is
 * {@code none}, so the first sink failure would end it FAILED.
 */
class KafkaOutputTimestampTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final Fixture FIXTURE = Fixture.named("keras3_stacked_long");
    /** The fixture's short keys; long-0's 1,200 events would only make the test slower. */
    private static final List<String> KEYS = List.of("k1", "sensor-2", "k3");

    private static final Duration RETENTION = Duration.ofDays(1);
    private static final Duration AWAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final KafkaBroker KAFKA =
            KafkaBroker.forTests(Map.of("log.retention.check.interval.ms", "200", "log.initial.task.delay.ms", "0"));

    @TempDir
    Path checkpoints;

    @Test
    void inputRecordTimestampsKeepEveryOutputWhateverTsCounts() throws Exception {
        long now = System.currentTimeMillis();
        Map<String, LongUnaryOperator> units = new LinkedHashMap<>();
        units.put("steps", t -> t);
        units.put("seconds", t -> now / 1000 + t);
        units.put("micros", t -> now * 1000 + t);
        Topics topics = Topics.create("input-record");
        JobClient job = KafkaJobs.submit(settings(topics, "input-record"), "flink-rnn output timestamps");
        long produced = System.currentTimeMillis();
        int outputs = produce(topics.events, units);

        try (KafkaTopics.Reader reader = topics.reader()) {
            reader.awaitAtLeast(topics.predictions, outputs, AWAIT);
        }
        awaitRetentionCheck();
        assertThat(job.getJobStatus().get()).as("status without restarts").isEqualTo(JobStatus.RUNNING);

        try (KafkaTopics.Reader reader = topics.reader()) {
            List<JsonNode> predictions = reader.awaitAtLeast(topics.predictions, outputs, AWAIT);
            reader.drain(Duration.ofMillis(500));
            KafkaJobs.cancel(job);
            assertMatchesKeras(predictions, units);
            assertThat(reader.timestamps(topics.predictions))
                    .as("each output's record timestamp is its input record's")
                    .allSatisfy(ts -> assertThat(ts).isBetween(produced, System.currentTimeMillis()));
            assertThat(reader.records(topics.deadLetters)).isEmpty();
        }
    }

    @Test
    void eventTimestampsKafkaWouldRefuseAreDeadLettersAndTheJobRunsOn() throws Exception {
        long hourAgo = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
        long now = System.currentTimeMillis();
        Map<String, LongUnaryOperator> millis = Map.of("millis", t -> hourAgo + t * 1000);
        Map<String, LongUnaryOperator> micros = Map.of("micros", t -> now * 1000 + t);
        Topics topics = Topics.create("event");
        JobClient job = KafkaJobs.submit(settings(topics, "event"), "flink-rnn event timestamps");
        int outputs = produce(topics.events, millis);
        int refused = produce(topics.events, micros);

        try (KafkaTopics.Reader reader = topics.reader()) {
            reader.awaitAtLeast(topics.deadLetters, refused, AWAIT);
            List<JsonNode> predictions = reader.awaitAtLeast(topics.predictions, outputs, AWAIT);
            awaitRetentionCheck();
            reader.drain(Duration.ofMillis(500));
            assertThat(job.getJobStatus().get()).as("status without restarts").isEqualTo(JobStatus.RUNNING);
            KafkaJobs.cancel(job);

            assertMatchesKeras(predictions, millis);
            for (int i = 0; i < predictions.size(); i++) {
                assertThat(reader.timestamps(topics.predictions).get(i))
                        .isEqualTo(predictions.get(i).get("ts").asLong());
            }
            List<JsonNode> letters = reader.records(topics.deadLetters);
            assertThat(letters).hasSize(refused);
            List<JsonNode> refusedPredictions = new ArrayList<>();
            for (JsonNode letter : letters) {
                assertThat(letter.get("stage").asText()).isEqualTo("output");
                assertThat(letter.get("reason").asText())
                        .contains("more than 55 min ahead of the clock")
                        .contains("flink-rnn.kafka.output-timestamp: event");
                refusedPredictions.add(
                        KafkaTopics.JSON.readTree(letter.get("payload").asText()));
            }
            assertMatchesKeras(refusedPredictions, micros);
        }
    }

    /**
     * Waits until the broker's retention check has deleted a canary record stamped like an output
     * of the old event-ts timestamps (1970), in a topic with the outputs' retention: from then on,
     * outputs stamped that way would be gone too.
     */
    private static void awaitRetentionCheck() throws Exception {
        String canary = "canary-" + System.nanoTime();
        KAFKA.createTopic(canary, 1, Map.of("retention.ms", String.valueOf(RETENTION.toMillis())));
        try (KafkaProducer<byte[], byte[]> producer = KafkaTopics.producer(KAFKA.bootstrapServers())) {
            producer.send(new ProducerRecord<>(canary, 0, 17L, null, new byte[] {1}))
                    .get(30, TimeUnit.SECONDS);
        }
        long deadline = System.nanoTime() + AWAIT.toNanos();
        while (KAFKA.logStartOffset(canary) == 0) {
            assertThat(System.nanoTime())
                    .as("retention deleted the canary in time")
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** One test's topics; each test has its own, so neither sees the other's records. */
    private record Topics(String events, String predictions, String deadLetters) {
        static Topics create(String name) throws Exception {
            Topics t = new Topics(name + "-events", name + "-predictions", name + "-dead-letters");
            KAFKA.createTopic(t.events, 2);
            KAFKA.createTopic(
                    t.predictions,
                    2,
                    Map.of("retention.ms", String.valueOf(RETENTION.toMillis()), "segment.ms", "100"));
            KAFKA.createTopic(t.deadLetters, 1, Map.of("retention.ms", String.valueOf(RETENTION.toMillis())));
            return t;
        }

        KafkaTopics.Reader reader() {
            return new KafkaTopics.Reader(KAFKA.bootstrapServers(), Map.of(predictions, 2, deadLetters, 1));
        }
    }

    private Map<String, String> settings(Topics topics, String outputTimestamp) {
        Map<String, String> s = new HashMap<>();
        s.put("flink-rnn.model.path", FIXTURE.file("keras").orElseThrow().toString());
        s.put("flink-rnn.model.version", "v1");
        s.put("flink-rnn.mode", FIXTURE.mode());
        s.put("flink-rnn.bundle.max-events", "32");
        s.put("flink-rnn.bundle.max-delay", "5 ms");
        s.put("flink-rnn.kafka.bootstrap-servers", KAFKA.bootstrapServers());
        s.put("flink-rnn.kafka.topic", topics.events);
        s.put("flink-rnn.kafka.output-topic", topics.predictions);
        s.put("flink-rnn.kafka.dead-letter-topic", topics.deadLetters);
        s.put("flink-rnn.kafka.group-id", outputTimestamp);
        s.put("flink-rnn.kafka.transactional-id-prefix", outputTimestamp);
        s.put("flink-rnn.kafka.output-timestamp", outputTimestamp);
        s.put("execution.checkpointing.interval", "200 ms");
        s.put("execution.checkpointing.dir", checkpoints.toUri().toString());
        s.put("restart-strategy.type", "none");
        s.put("parallelism.default", "1");
        return s;
    }

    /**
     * The fixture's events of {@link #KEYS}, once per unit under the key {@code unit/key}, with
     * {@code ts} the step in that unit; returns how many were sent.
     */
    private static int produce(String topic, Map<String, LongUnaryOperator> units) {
        List<CsvRow> rows = FIXTURE.eventRows().stream()
                .filter(r -> KEYS.contains(r.key()))
                .sorted(Comparator.comparingLong(CsvRow::t))
                .toList();
        int sent = 0;
        try (KafkaProducer<byte[], byte[]> producer = KafkaTopics.producer(KAFKA.bootstrapServers())) {
            for (CsvRow r : rows) {
                for (Map.Entry<String, LongUnaryOperator> unit : units.entrySet()) {
                    String key = unit.getKey() + "/" + r.key();
                    producer.send(new ProducerRecord<>(
                            topic,
                            key.getBytes(StandardCharsets.UTF_8),
                            KafkaTopics.event(key, unit.getValue().applyAsLong(r.t()), r.values())));
                    sent++;
                }
            }
        }
        return sent;
    }

    /** Every {@code unit/key} has Keras's outputs for its key, once each, in order, with {@code ts} in its unit. */
    private static void assertMatchesKeras(List<JsonNode> outputs, Map<String, LongUnaryOperator> units) {
        Map<String, List<JsonNode>> got = new LinkedHashMap<>();
        outputs.forEach(o -> got.computeIfAbsent(o.get("key").asText(), k -> new ArrayList<>())
                .add(o));
        int expected = 0;
        for (Map.Entry<String, LongUnaryOperator> unit : units.entrySet()) {
            for (String key : KEYS) {
                List<CsvRow> keras = FIXTURE.expectedRows().stream()
                        .filter(r -> r.key().equals(key))
                        .toList();
                List<JsonNode> out = got.getOrDefault(unit.getKey() + "/" + key, List.of());
                assertThat(out.stream().map(o -> o.get("ts").asLong()).toList())
                        .as("ts of %s/%s: no gaps, no duplicates, in order", unit.getKey(), key)
                        .containsExactlyElementsOf(keras.stream()
                                .map(r -> unit.getValue().applyAsLong(r.t()))
                                .toList());
                for (int i = 0; i < keras.size(); i++) {
                    float[] y = keras.get(i).values();
                    for (int j = 0; j < y.length; j++) {
                        assertThat(out.get(i).get("y").get(j).floatValue())
                                .as(
                                        "%s/%s t=%d y%d",
                                        unit.getKey(), key, keras.get(i).t(), j)
                                .isCloseTo(y[j], Offset.offset(1e-5f));
                    }
                }
                expected += keras.size();
            }
        }
        assertThat(outputs).as("outputs in total").hasSize(expected);
    }
}
