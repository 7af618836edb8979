package io.flinkrnn.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkrnn.jobs.state.FixtureJob;
import io.flinkrnn.jobs.state.RnnStates;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.RnnInference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warm start of README "Recurrent state" on a real broker: every event, history then live, is
 * in the event topic, stamped in time order. Job A reads it all from the earliest offset. Job B
 * starts from a savepoint bootstrapped from the history alone, with {@code starting-offsets
 * timestamp:T} where T is the first live record's timestamp: the savepoint holds no source state,
 * so the configured start applies. B serves the live events only, and its outputs equal A's on
 * them bit for bit (and Keras's), at another parallelism.
 */
class KafkaBootstrapTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(3)
            .build());

    private static final Fixture SWAP = Fixture.named("keras3_swap");
    private static final int COPIES = 20;
    private static final String EVENTS = "events";
    private static final String DEAD_LETTERS = "dead-letters";
    /** Kafka record timestamps of the history: {@code HISTORY_START + i} for its i-th event. */
    private static final long HISTORY_START = 1_767_225_600_000L;

    @TempDir
    static Path brokerDir;

    private static KafkaBroker kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = KafkaBroker.start(brokerDir);
        kafka.createTopic(EVENTS, 2);
        kafka.createTopic("predictions-a", 2);
        kafka.createTopic("predictions-b", 2);
        kafka.createTopic(DEAD_LETTERS, 1);
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    void aJobStartedFromABootstrapAtTheLiveTimestampContinuesBitForBitAsTheJobThatServedAll() throws Exception {
        int cut = SWAP.meta().path("swap_row").asInt();
        int end = SWAP.eventRows().size();
        List<RnnEvent> history = FixtureJob.copies(SWAP, 0, cut, COPIES);
        List<RnnEvent> live = FixtureJob.copies(SWAP, cut, end, COPIES);
        // A gap between the two, as between a history export and the live stream it hands over to.
        long liveStart = HISTORY_START + history.size() + 60_000;
        produce(history, HISTORY_START);
        produce(live, liveStart);

        List<JsonNode> a =
                serve(settings("predictions-a", "earliest", null, 2), "predictions-a", history.size() + live.size());
        KafkaTopics.assertPredictionsMatch(a, FixtureJob.expectedCopies(SWAP, 0, end, COPIES), "v1.keras");

        Path csv = dir.resolve("history.csv");
        FixtureJob.writeHistory(csv, history);
        String savepoint = dir.resolve("bootstrapped").toUri().toString();
        RunConfig b = RunConfig.of(settings("predictions-b", "timestamp:" + liveStart, savepoint, 3));
        RnnStates.bootstrap(
                RnnInference.forModel(b.model()).configure(b.flink()),
                csv,
                savepoint,
                128,
                RnnStates.DEFAULT_UID,
                new HashMapStateBackend());

        List<JsonNode> fromBootstrap =
                serve(settings("predictions-b", "timestamp:" + liveStart, savepoint, 3), "predictions-b", live.size());
        KafkaTopics.assertPredictionsMatch(
                fromBootstrap, FixtureJob.expectedCopies(SWAP, cut, end, COPIES), "v1.keras");
        assertThat(fromBootstrap).as("B serves the live events only").hasSize(live.size());
        Map<String, JsonNode> aByEvent = byEvent(a);
        byEvent(fromBootstrap)
                .forEach((event, output) ->
                        assertThat(bits(output)).as("%s, bit for bit", event).isEqualTo(bits(aByEvent.get(event))));
    }

    /**
     * Runs the job until {@code topic} holds {@code outputs} committed predictions, waits a few
     * checkpoints more for any extra one, and returns them as read.
     */
    private static List<JsonNode> serve(Map<String, String> settings, String topic, int outputs) throws Exception {
        try (KafkaTopics.Reader reader =
                new KafkaTopics.Reader(kafka.bootstrapServers(), Map.of(topic, 2, DEAD_LETTERS, 1))) {
            JobClient job = KafkaJobs.submit(settings, "flink-rnn bootstrap " + topic);
            reader.awaitAtLeast(topic, outputs, Duration.ofSeconds(60));
            Thread.sleep(1000);
            reader.drain(Duration.ofMillis(500));
            KafkaJobs.cancel(job);
            assertThat(reader.records(DEAD_LETTERS)).as("dead letters").isEmpty();
            return List.copyOf(reader.records(topic));
        }
    }

    /** Predictions by {@code key@ts}; each event's once. */
    private static Map<String, JsonNode> byEvent(List<JsonNode> predictions) {
        Map<String, JsonNode> byEvent = new HashMap<>();
        for (JsonNode p : predictions) {
            assertThat(byEvent.put(p.get("key").asText() + "@" + p.get("ts").asLong(), p))
                    .as("one output per event: %s", p)
                    .isNull();
        }
        return byEvent;
    }

    private static List<Integer> bits(JsonNode prediction) {
        List<Integer> bits = new ArrayList<>();
        prediction.get("y").forEach(y -> bits.add(Float.floatToIntBits(y.floatValue())));
        return bits;
    }

    /** Sends {@code events} as JSON keyed by their key, stamped {@code firstTimestamp}, +1, ... in order. */
    private static void produce(List<RnnEvent> events, long firstTimestamp) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = KafkaTopics.producer(kafka.bootstrapServers())) {
            long timestamp = firstTimestamp;
            for (RnnEvent e : events) {
                ObjectNode json =
                        KafkaTopics.JSON.createObjectNode().put("key", e.key()).put("ts", e.timestamp());
                ArrayNode features = json.putArray("x");
                for (float x : e.features()) {
                    features.add(x);
                }
                producer.send(new ProducerRecord<>(
                                EVENTS,
                                null,
                                timestamp++,
                                e.key().getBytes(StandardCharsets.UTF_8),
                                KafkaTopics.JSON.writeValueAsBytes(json)))
                        .get(10, TimeUnit.SECONDS);
            }
        }
    }

    private Map<String, String> settings(String output, String startingOffsets, String savepoint, int parallelism) {
        Map<String, String> s = new HashMap<>();
        s.put("flink-rnn.model.path", SWAP.dir().resolve("v1.keras").toString());
        s.put("flink-rnn.bundle.max-events", "32");
        s.put("flink-rnn.bundle.max-delay", "5 ms");
        s.put("flink-rnn.kafka.bootstrap-servers", kafka.bootstrapServers());
        s.put("flink-rnn.kafka.topic", EVENTS);
        s.put("flink-rnn.kafka.output-topic", output);
        s.put("flink-rnn.kafka.dead-letter-topic", DEAD_LETTERS);
        s.put("flink-rnn.kafka.group-id", output);
        s.put("flink-rnn.kafka.transactional-id-prefix", output);
        s.put("flink-rnn.kafka.starting-offsets", startingOffsets);
        s.put("execution.checkpointing.interval", "200 ms");
        s.put("execution.checkpointing.dir", dir.resolve("checkpoints").toUri().toString());
        s.put("parallelism.default", String.valueOf(parallelism));
        if (savepoint != null) {
            s.put("execution.state-recovery.path", savepoint);
        }
        return s;
    }
}
