package io.flinkrnn.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.fixtures.KerasExpectations;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.flink.core.execution.JobClient;
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
 * The control topic against a real KRaft broker, at parallelism 2 with copies of a Keras fixture's
 * keys on both subtasks: a forecast equal to Keras's, a reset of one key, then a reset-all, each
 * followed by the key's events again from the start, which strict ordering would reject as resends
 * had the reset not acted; the replayed outputs must equal Keras's. Records that are no control are
 * dead letters of stage {@code control}.
 */
class KafkaControlTopicTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final Fixture FIXTURE = Fixture.named("keras3_forecast");
    private static final String EVENTS = "ctl-events";
    private static final String CONTROLS = "ctl-controls";
    private static final String OUTPUTS = "ctl-outputs";
    private static final String DEAD_LETTERS = "ctl-dead-letters";
    private static final int COPIES = 4;
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static final Map<String, String> NOT_CONTROLS = Map.of(
            "{\"control\": \"reset\"", "not JSON",
            "{\"control\": \"explode\"}", "\"control\" is 'explode'",
            "{\"control\": \"reset\"}", "\"key\" is missing or not a string",
            "{\"control\": \"forecast\", \"key\": \"c0/k0\"}", "\"horizon\" is missing or not an integer");

    @TempDir
    static Path brokerDir;

    private static KafkaBroker kafka;

    @TempDir
    Path work;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = KafkaBroker.start(brokerDir);
        kafka.createTopic(EVENTS, 2);
        kafka.createTopic(CONTROLS, 1);
        kafka.createTopic(OUTPUTS, 2);
        kafka.createTopic(DEAD_LETTERS, 1);
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    void resetsResetAllForecastsAndBadControlsFromTheControlTopic() throws Exception {
        List<CsvRow> events = KeyCopyRows.of(FIXTURE.eventRows(), COPIES);
        List<CsvRow> keras = KeyCopyRows.of(FIXTURE.expectedRows(), COPIES);
        String one = events.get(0).key();
        String other = events.stream()
                .map(CsvRow::key)
                .filter(k -> !k.equals(one))
                .findFirst()
                .orElseThrow();
        JobClient job = KafkaJobs.submit(settings(), "controls");
        try (KafkaTopics.Reader reader =
                new KafkaTopics.Reader(kafka.bootstrapServers(), Map.of(OUTPUTS, 2, DEAD_LETTERS, 1))) {
            sendEvents(events);
            reader.awaitAtLeast(OUTPUTS, keras.size(), WAIT);

            // A forecast from the key's live state after its last event, as Keras's forecast.csv has it.
            sendControls(List.of("{\"control\": \"forecast\", \"key\": \"" + other + "\", \"horizon\": 5}"));
            assertForecastEqualsKeras(awaitForecast(reader, other), other);

            // A forecast right after a reset is refused by the key's owner once the reset acted
            // there: a fresh key has no last output to feed back.
            sendControls(List.of(
                    "{\"control\": \"reset\", \"key\": \"" + one + "\"}",
                    "{\"control\": \"forecast\", \"key\": \"" + one + "\", \"horizon\": 3}"));
            awaitFreshKeyRefusal(reader, one);
            sendEvents(rowsOf(events, one));
            reader.awaitAtLeast(OUTPUTS, keras.size() + 1 + rowsOf(keras, one).size(), WAIT);

            sendControls(List.of(
                    "{\"control\": \"reset-all\"}",
                    "{\"control\": \"forecast\", \"key\": \"" + other + "\", \"horizon\": 2}"));
            awaitFreshKeyRefusal(reader, other);
            sendEvents(rowsOf(events, other));
            sendControls(new ArrayList<>(NOT_CONTROLS.keySet()));
            int outputs = keras.size()
                    + 1
                    + rowsOf(keras, one).size()
                    + rowsOf(keras, other).size();
            reader.awaitAtLeast(OUTPUTS, outputs, WAIT);
            reader.awaitAtLeast(DEAD_LETTERS, 2 + NOT_CONTROLS.size(), WAIT);
            reader.drain(Duration.ofSeconds(1));

            assertThat(reader.records(OUTPUTS))
                    .as("predictions and one forecast")
                    .hasSize(outputs);
            List<JsonNode> predictions =
                    reader.records(OUTPUTS).stream().filter(r -> r.has("y")).toList();
            List<CsvRow> replayed = new ArrayList<>();
            replayed.addAll(rowsOf(keras, one));
            replayed.addAll(rowsOf(keras, other));
            KafkaTopics.assertPredictionsMatch(withoutReplays(predictions, one, other), keras, "model.keras");
            KafkaTopics.assertPredictionsMatch(lastOf(predictions, one, other), replayed, "model.keras");
            List<JsonNode> controlLetters = reader.records(DEAD_LETTERS).stream()
                    .filter(l -> l.get("stage").asText().equals("control"))
                    .toList();
            assertThat(controlLetters).hasSize(NOT_CONTROLS.size()).allSatisfy(l -> {
                assertThat(l.get("origin").asText()).startsWith(CONTROLS + "-0@");
                assertThat(l.get("reason").asText())
                        .startsWith(NOT_CONTROLS.get(l.get("payload").asText()));
            });
        } finally {
            KafkaJobs.cancel(job);
        }
    }

    private Map<String, String> settings() {
        Map<String, String> s = new HashMap<>();
        s.put("flink-rnn.model.path", FIXTURE.file("keras").orElseThrow().toString());
        s.put("flink-rnn.mode", FIXTURE.mode());
        s.put("flink-rnn.bundle.max-delay", "5 ms");
        s.put("flink-rnn.kafka.bootstrap-servers", kafka.bootstrapServers());
        s.put("flink-rnn.kafka.topic", EVENTS);
        s.put("flink-rnn.kafka.control-topic", CONTROLS);
        s.put("flink-rnn.kafka.output-topic", OUTPUTS);
        s.put("flink-rnn.kafka.dead-letter-topic", DEAD_LETTERS);
        s.put("flink-rnn.kafka.starting-offsets", "earliest");
        s.put("flink-rnn.kafka.transactional-id-prefix", "controls");
        s.put("execution.checkpointing.interval", "200 ms");
        s.put("execution.checkpointing.dir", work.resolve("checkpoints").toUri().toString());
        s.put("parallelism.default", "2");
        return s;
    }

    private static List<CsvRow> rowsOf(List<CsvRow> rows, String key) {
        return rows.stream().filter(r -> r.key().equals(key)).toList();
    }

    /** Every prediction but the replayed ones: the second half of each replayed key's outputs. */
    private static List<JsonNode> withoutReplays(List<JsonNode> predictions, String... keys) {
        List<JsonNode> kept = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (JsonNode p : predictions) {
            String key = p.get("key").asText();
            int n = seen.merge(key, 1, Integer::sum);
            boolean replayed = List.of(keys).contains(key)
                    && n > predictions.stream().filter(isKey(key)).count() / 2;
            if (!replayed) {
                kept.add(p);
            }
        }
        return kept;
    }

    private static List<JsonNode> lastOf(List<JsonNode> predictions, String... keys) {
        List<JsonNode> replayed = new ArrayList<>();
        for (String key : keys) {
            List<JsonNode> ofKey = predictions.stream().filter(isKey(key)).toList();
            replayed.addAll(ofKey.subList(ofKey.size() / 2, ofKey.size()));
        }
        return replayed;
    }

    private static Predicate<JsonNode> isKey(String key) {
        return p -> p.get("key").asText().equals(key);
    }

    /** The dead letter that refuses a forecast of {@code key} because a reset left it fresh. */
    private static void awaitFreshKeyRefusal(KafkaTopics.Reader reader, String key) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (reader.records(DEAD_LETTERS).stream()
                .noneMatch(l -> l.get("key").asText().equals(key)
                        && l.get("stage").asText().equals("inference")
                        && l.get("reason").asText().endsWith("the key has none since its last reset"))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no refused forecast for the reset key " + key + " within " + WAIT
                        + "; dead letters: " + reader.records(DEAD_LETTERS));
            }
            reader.awaitAtLeast(DEAD_LETTERS, reader.records(DEAD_LETTERS).size() + 1, Duration.ofMillis(500));
        }
    }

    private static JsonNode awaitForecast(KafkaTopics.Reader reader, String key) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode r : reader.records(OUTPUTS)) {
                if (r.has("forecast") && r.get("key").asText().equals(key)) {
                    return r;
                }
            }
            reader.awaitAtLeast(OUTPUTS, reader.records(OUTPUTS).size() + 1, Duration.ofMillis(500));
        }
        throw new AssertionError("no forecast for " + key + " within " + WAIT + "; outputs: "
                + reader.records(OUTPUTS).size() + ", dead letters: " + reader.records(DEAD_LETTERS));
    }

    /** forecast.csv rows are {@code key,t,h,y...}: step h of the forecast after the key's last event t. */
    private static void assertForecastEqualsKeras(JsonNode forecast, String key) {
        String original = key.substring(key.indexOf('/') + 1);
        List<CsvRow> keras = CsvRow.read(FIXTURE.dir().resolve("forecast.csv")).stream()
                .filter(r -> r.key().equals(original))
                .toList();
        assertThat(forecast.get("horizon").asInt()).isEqualTo(keras.size());
        int width = keras.get(0).values().length - 1;
        for (CsvRow row : keras) {
            assertThat(forecast.get("ts").asLong()).isEqualTo(row.t());
            int step = (int) row.values()[0] - 1;
            float[] got = new float[width];
            for (int i = 0; i < width; i++) {
                got[i] = forecast.get("forecast").get(step * width + i).floatValue();
            }
            KerasExpectations.assertClose(
                    got,
                    java.util.Arrays.copyOfRange(row.values(), 1, row.values().length),
                    "%s step %d",
                    key,
                    step + 1);
        }
    }

    private static void sendEvents(List<CsvRow> rows) {
        try (KafkaProducer<byte[], byte[]> producer = KafkaTopics.producer(kafka.bootstrapServers())) {
            for (CsvRow r : rows) {
                var json = KafkaTopics.JSON.createObjectNode();
                json.put("key", r.key());
                json.put("ts", r.t());
                var x = json.putArray("x");
                for (float v : r.values()) {
                    x.add(v);
                }
                producer.send(new ProducerRecord<>(
                        EVENTS,
                        r.key().getBytes(StandardCharsets.UTF_8),
                        json.toString().getBytes(StandardCharsets.UTF_8)));
            }
        }
    }

    private static void sendControls(List<String> controls) {
        try (KafkaProducer<byte[], byte[]> producer = KafkaTopics.producer(kafka.bootstrapServers())) {
            controls.forEach(c -> producer.send(new ProducerRecord<>(CONTROLS, c.getBytes(StandardCharsets.UTF_8))));
        }
    }

    /** A fixture's rows as {@code copies} keys each ({@code c<copy>/<key>}), with the same numbers. */
    private static final class KeyCopyRows {
        static List<CsvRow> of(List<CsvRow> rows, int copies) {
            List<CsvRow> out = new ArrayList<>();
            for (CsvRow r : rows) {
                for (int c = 0; c < copies; c++) {
                    out.add(new CsvRow("c" + c + "/" + r.key(), r.t(), r.values()));
                }
            }
            return out;
        }
    }
}
