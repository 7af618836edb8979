package io.flinkrnn.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Poison records between a key's good events, against a real broker: a tombstone, bytes that are not
 * UTF-8, a 10 MB record, JSON nested 100,000 deep and a key longer than 64 KB. Each becomes one dead
 * letter with its reason, the key's outputs are still Keras's (no poison changed its state), and the
 * job never fails: its restart strategy is {@code none}.
 */
class KafkaPoisonRecordsTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final Fixture FIXTURE = Fixture.named("keras3_stacked_long");
    private static final String KEY = "k1";
    private static final String EVENTS = "poison-events";
    private static final String PREDICTIONS = "poison-predictions";
    private static final String DEAD_LETTERS = "poison-dead-letters";
    private static final int TEN_MB = 10 * 1024 * 1024;
    private static final Duration AWAIT = Duration.ofSeconds(90);

    // The events topic takes the 10 MB record; the job's own topics keep Kafka's 1 MB default.
    @RegisterExtension
    static final KafkaBroker KAFKA = KafkaBroker.forTests()
            .topic(EVENTS, 1, Map.of("max.message.bytes", String.valueOf(2 * TEN_MB)))
            .topic(PREDICTIONS, 1)
            .topic(DEAD_LETTERS, 1);

    @TempDir
    Path checkpoints;

    /** One poison record and what its dead letter must say. */
    private record Poison(String name, byte[] value, String reason, Consumer<JsonNode> letter) {}

    private static List<Poison> poisons() {
        byte[] notUtf8 =
                "{\"key\": \"k1\u00ff\", \"ts\": 4, \"x\": [1, 2, 3, 4]}".getBytes(StandardCharsets.ISO_8859_1);
        StringBuilder big = new StringBuilder(TEN_MB + 64).append("{\"key\": \"k1\", \"ts\": 9, \"x\": [0.5");
        int bigFeatures = 1;
        while (big.length() < TEN_MB) {
            big.append(", 0.5");
            bigFeatures++;
        }
        String bigRecord = big.append("]}").toString();
        String nested = "{\"key\": \"k1\", \"ts\": 14, \"x\": " + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        String longKey = "k".repeat(70_000);
        String longKeyed = "{\"key\": \"" + longKey + "\", \"ts\": 19, \"x\": [0.1, 0.2, 0.3, 0.4]}";
        return List.of(
                new Poison("tombstone", null, "tombstone: the record has no value", l -> assertThat(l.has("payload"))
                        .isFalse()),
                new Poison("not UTF-8", notUtf8, "not JSON: Invalid UTF-8", l -> assertThat(Base64.getDecoder()
                                .decode(l.get("payload_base64").asText()))
                        .isEqualTo(notUtf8)),
                new Poison("10 MB", bytes(bigRecord), "expected 4 features, got " + bigFeatures, l -> {
                    assertThat(l.get("payload_bytes").asInt()).isEqualTo(bigRecord.length());
                    assertThat(l.get("payload").asText()).isEqualTo(bigRecord.substring(0, 64 * 1024));
                }),
                new Poison("nested", bytes(nested), "not JSON: Document nesting depth", l -> assertThat(
                                l.get("payload_bytes").asInt())
                        .isEqualTo(nested.length())),
                new Poison("long key", bytes(longKeyed), "key is 70000 bytes, more than 65536", l -> {
                    assertThat(l.get("key").isNull())
                            .as("a key too long to write")
                            .isTrue();
                    assertThat(l.get("payload").asText()).isEqualTo(longKeyed.substring(0, 64 * 1024));
                }));
    }

    @Test
    void eachPoisonRecordIsOneDeadLetterWithItsReasonAndTheJobRunsOn() throws Exception {
        List<Poison> poisons = poisons();
        List<CsvRow> events =
                FIXTURE.eventRows().stream().filter(r -> r.key().equals(KEY)).toList();
        JobClient job = submit();
        Map<Long, Poison> offsets = produce(events, poisons);

        try (KafkaTopics.Reader reader =
                new KafkaTopics.Reader(KAFKA.bootstrapServers(), Map.of(PREDICTIONS, 1, DEAD_LETTERS, 1))) {
            List<JsonNode> letters = reader.awaitAtLeast(DEAD_LETTERS, poisons.size(), AWAIT);
            List<JsonNode> predictions = reader.awaitAtLeast(PREDICTIONS, events.size(), AWAIT);
            reader.drain(Duration.ofMillis(500));
            assertThat(job.getJobStatus().get()).as("status without restarts").isEqualTo(JobStatus.RUNNING);
            KafkaJobs.cancel(job);

            assertMatchesKeras(predictions);
            assertThat(letters).as("one dead letter per poison record").hasSize(poisons.size());
            for (JsonNode letter : letters) {
                long offset = Long.parseLong(letter.get("origin").asText().replace(EVENTS + "-0@", ""));
                Poison poison = offsets.get(offset);
                assertThat(poison)
                        .as("the poison record at %s", letter.get("origin"))
                        .isNotNull();
                assertThat(letter.get("stage").asText()).as(poison.name).isEqualTo("parse");
                assertThat(letter.get("reason").asText()).as(poison.name).startsWith(poison.reason);
                poison.letter.accept(letter);
            }
        }
    }

    private JobClient submit() throws Exception {
        Map<String, String> s = new HashMap<>();
        s.put("flink-rnn.model.path", FIXTURE.file("keras").orElseThrow().toString());
        s.put("flink-rnn.mode", FIXTURE.mode());
        s.put("flink-rnn.bundle.max-events", "8");
        s.put("flink-rnn.bundle.max-delay", "5 ms");
        s.put("flink-rnn.kafka.bootstrap-servers", KAFKA.bootstrapServers());
        s.put("flink-rnn.kafka.topic", EVENTS);
        s.put("flink-rnn.kafka.output-topic", PREDICTIONS);
        s.put("flink-rnn.kafka.dead-letter-topic", DEAD_LETTERS);
        s.put("flink-rnn.kafka.transactional-id-prefix", "poison");
        s.put("execution.checkpointing.interval", "200 ms");
        s.put("execution.checkpointing.dir", checkpoints.toUri().toString());
        s.put("restart-strategy.type", "none");
        s.put("state.backend.type", "hashmap");
        s.put("parallelism.default", "1");
        return KafkaJobs.submit(s, "flink-rnn poison records");
    }

    /** The key's events with the poison records spread between them; returns each poison's offset. */
    private static Map<Long, Poison> produce(List<CsvRow> events, List<Poison> poisons) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(2 * TEN_MB));
        Map<Long, Poison> offsets = new LinkedHashMap<>();
        int every = events.size() / (poisons.size() + 1);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < events.size(); i++) {
                if (i > 0 && i % every == 0 && i / every <= poisons.size()) {
                    Poison poison = poisons.get(i / every - 1);
                    long offset = producer.send(new ProducerRecord<>(EVENTS, bytes(KEY), poison.value))
                            .get(30, TimeUnit.SECONDS)
                            .offset();
                    offsets.put(offset, poison);
                }
                producer.send(new ProducerRecord<>(EVENTS, bytes(KEY), KafkaTopics.event(events.get(i))))
                        .get(30, TimeUnit.SECONDS);
            }
        }
        assertThat(offsets).hasSize(poisons.size());
        return offsets;
    }

    private static void assertMatchesKeras(List<JsonNode> predictions) {
        List<CsvRow> keras =
                FIXTURE.expectedRows().stream().filter(r -> r.key().equals(KEY)).toList();
        assertThat(predictions.stream().map(o -> o.get("ts").asLong()).toList())
                .as("ts of %s: every good event once, in order", KEY)
                .containsExactlyElementsOf(keras.stream().map(CsvRow::t).toList());
        for (int i = 0; i < keras.size(); i++) {
            float[] y = keras.get(i).values();
            for (int j = 0; j < y.length; j++) {
                assertThat(predictions.get(i).get("y").get(j).floatValue())
                        .as("t=%d y%d", keras.get(i).t(), j)
                        .isCloseTo(y[j], Offset.offset(1e-5f));
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
