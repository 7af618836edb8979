package io.flinkrnn.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.fixtures.KerasExpectations;
import io.flinkrnn.operators.store.ModelStore;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
    /** Two versions of one LSTM, and Keras's outputs of a swap from the first to the second. */
    private static final Fixture SWAP = Fixture.named("keras3_swap");

    private static final String RUN = "ctl";
    private static final String EVENTS = RUN + "-events";
    private static final String CONTROLS = RUN + "-controls";
    private static final String OUTPUTS = RUN + "-outputs";
    private static final String DEAD_LETTERS = RUN + "-dead-letters";
    private static final int COPIES = 4;
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static final Map<String, String> NOT_CONTROLS = Map.of(
            "{\"control\": \"reset\"", "not JSON",
            "{\"control\": \"explode\"}", "\"control\" is 'explode'",
            "{\"control\": \"reset\"}", "\"key\" is missing or not a string",
            "{\"control\": \"forecast\", \"key\": \"c0/k0\"}", "\"horizon\" is missing or not an integer");

    @RegisterExtension
    static final KafkaBroker KAFKA = KafkaBroker.forTests()
            .topic(EVENTS, 2)
            .topic(CONTROLS, 1)
            .topic(OUTPUTS, 2)
            .topic(DEAD_LETTERS, 1);

    @TempDir
    Path work;

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
        JobClient job = KafkaJobs.submit(
                settings(
                        RUN,
                        Map.of(
                                "flink-rnn.model.path",
                                FIXTURE.file("keras").orElseThrow().toString(),
                                "flink-rnn.mode",
                                FIXTURE.mode())),
                "controls");
        try (KafkaTopics.Reader reader =
                new KafkaTopics.Reader(KAFKA.bootstrapServers(), Map.of(OUTPUTS, 2, DEAD_LETTERS, 1))) {
            sendEvents(EVENTS, events);
            reader.awaitAtLeast(OUTPUTS, keras.size(), WAIT);

            // A forecast from the key's live state after its last event, as Keras's forecast.csv has it.
            sendControls(CONTROLS, List.of("{\"control\": \"forecast\", \"key\": \"" + other + "\", \"horizon\": 5}"));
            assertForecastEqualsKeras(awaitForecast(reader, other), other);

            // A forecast right after a reset is refused by the key's owner once the reset acted
            // there: a fresh key has no last output to feed back.
            sendControls(
                    CONTROLS,
                    List.of(
                            "{\"control\": \"reset\", \"key\": \"" + one + "\"}",
                            "{\"control\": \"forecast\", \"key\": \"" + one + "\", \"horizon\": 3}"));
            awaitFreshKeyRefusal(reader, one);
            sendEvents(EVENTS, rowsOf(events, one));
            reader.awaitAtLeast(OUTPUTS, keras.size() + 1 + rowsOf(keras, one).size(), WAIT);

            sendControls(
                    CONTROLS,
                    List.of(
                            "{\"control\": \"reset-all\"}",
                            "{\"control\": \"forecast\", \"key\": \"" + other + "\", \"horizon\": 2}"));
            awaitFreshKeyRefusal(reader, other);
            sendEvents(EVENTS, rowsOf(events, other));
            sendControls(CONTROLS, new ArrayList<>(NOT_CONTROLS.keySet()));
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

    /**
     * A swap control from the control topic, against a model store holding two versions of
     * keras3_swap, at parallelism 2 with copies of the fixture's keys on both subtasks: version 1
     * serves each key up to Keras's swap row, the control swaps to version 2, the job is stopped
     * with a savepoint right after the swap acted and restored from it, and the rest of the events
     * must be version 2's outputs under the swap policy exactly as Keras computes them: continuing
     * version 1's states ({@code keep}) or from zero states ({@code reset}). A swap lost at the
     * restore would leave version 1 serving (the restored state names the version in use).
     */
    @ParameterizedTest(name = "swap policy {0}")
    @CsvSource({"keep, expected_keep.csv", "reset, expected_swap_reset.csv"})
    void aSwapFromTheControlTopicServesTheNewVersionPerItsPolicyAcrossARestore(String policy, String keras)
            throws Exception {
        String run = "swap-" + policy;
        KAFKA.createTopic(run + "-events", 2);
        KAFKA.createTopic(run + "-controls", 1);
        KAFKA.createTopic(run + "-outputs", 2);
        KAFKA.createTopic(run + "-dead-letters", 1);
        ModelStore store = ModelStore.at(work.resolve("store").toUri().toString());
        store.put("swap", SWAP.dir().resolve("v1.keras"), null, "1");
        Map<String, String> settings = settings(
                run,
                Map.of(
                        "flink-rnn.model.store",
                        store.uri(),
                        "flink-rnn.model.name",
                        "swap",
                        "flink-rnn.model.swap-policy",
                        policy,
                        "flink-rnn.mode",
                        SWAP.mode()));
        int at = SWAP.meta().path("swap_row").asInt();
        List<CsvRow> rows = SWAP.eventRows();
        List<CsvRow> expected = CsvRow.read(SWAP.dir().resolve(keras));
        String probe = KeyCopyRows.of(rows, COPIES).get(0).key();

        try (KafkaTopics.Reader reader = new KafkaTopics.Reader(
                KAFKA.bootstrapServers(), Map.of(run + "-outputs", 2, run + "-dead-letters", 1))) {
            JobClient first = KafkaJobs.submit(settings, "swap, version 1");
            sendEvents(run + "-events", KeyCopyRows.of(rows.subList(0, at), COPIES));
            reader.awaitAtLeast(run + "-outputs", at * COPIES, WAIT);

            store.put("swap", SWAP.dir().resolve("v2.keras"), null, "2");
            // The swap answers nothing; the refusal of a forecast of horizon 0 sent behind it tells
            // that the controls got through to the probe's owner. The savepoint barrier follows the
            // swap on every subtask's control channel, so the savepoint holds it everywhere.
            sendControls(
                    run + "-controls",
                    List.of(
                            "{\"control\": \"swap\", \"version\": \"2\"}",
                            "{\"control\": \"forecast\", \"key\": \"" + probe + "\", \"horizon\": 0}"));
            awaitDeadLetter(
                    reader,
                    run + "-dead-letters",
                    "the refused forecast of " + probe,
                    l -> l.get("key").asText().equals(probe)
                            && l.get("reason").asText().endsWith("the horizon must be at least 1"));
            Path savepoint = KafkaJobs.stopWithSavepoint(first, work.resolve("savepoints"));

            Map<String, String> restore = new HashMap<>(settings);
            restore.put("execution.state-recovery.path", savepoint.toUri().toString());
            JobClient second = KafkaJobs.submit(restore, "swap, restored");
            sendEvents(run + "-events", KeyCopyRows.of(rows.subList(at, rows.size()), COPIES));
            reader.awaitAtLeast(run + "-outputs", rows.size() * COPIES, WAIT);
            reader.drain(Duration.ofSeconds(1));
            KafkaJobs.cancel(second);

            List<JsonNode> outputs = reader.records(run + "-outputs");
            assertThat(outputs).as("one output per event").hasSize(rows.size() * COPIES);
            KafkaTopics.assertPredictionsMatch(
                    outputs.stream().filter(version("1")).toList(),
                    KeyCopyRows.of(expected.subList(0, at), COPIES),
                    "1");
            KafkaTopics.assertPredictionsMatch(
                    outputs.stream().filter(version("2")).toList(),
                    KeyCopyRows.of(expected.subList(at, expected.size()), COPIES),
                    "2");
            assertThat(reader.records(run + "-dead-letters"))
                    .as("the probe's refusal, and nothing else")
                    .hasSize(1);
        }
    }

    private static Predicate<JsonNode> version(String version) {
        return p -> p.get("model_version").asText().equals(version);
    }

    /** The job's settings for the topics named after {@code run}, serving {@code model}. */
    private Map<String, String> settings(String run, Map<String, String> model) {
        Map<String, String> s = new HashMap<>(model);
        s.put("flink-rnn.bundle.max-delay", "5 ms");
        s.put("flink-rnn.kafka.bootstrap-servers", KAFKA.bootstrapServers());
        s.put("flink-rnn.kafka.topic", run + "-events");
        s.put("flink-rnn.kafka.control-topic", run + "-controls");
        s.put("flink-rnn.kafka.output-topic", run + "-outputs");
        s.put("flink-rnn.kafka.dead-letter-topic", run + "-dead-letters");
        s.put("flink-rnn.kafka.starting-offsets", "earliest");
        s.put("flink-rnn.kafka.transactional-id-prefix", run);
        s.put("execution.checkpointing.interval", "200 ms");
        s.put(
                "execution.checkpointing.dir",
                work.resolve(run + "-checkpoints").toUri().toString());
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
        awaitDeadLetter(
                reader,
                DEAD_LETTERS,
                "a refused forecast for the reset key " + key,
                l -> l.get("key").asText().equals(key)
                        && l.get("stage").asText().equals("inference")
                        && l.get("reason").asText().endsWith("the key has none since its last reset"));
    }

    /** Reads {@code topic} until a dead letter is {@code wanted}, for at most {@link #WAIT}. */
    private static void awaitDeadLetter(
            KafkaTopics.Reader reader, String topic, String what, Predicate<JsonNode> wanted) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (reader.records(topic).stream().noneMatch(wanted)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "no dead letter with " + what + " within " + WAIT + "; dead letters: " + reader.records(topic));
            }
            reader.awaitAtLeast(topic, reader.records(topic).size() + 1, Duration.ofMillis(500));
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

    private static void sendEvents(String topic, List<CsvRow> rows) {
        try (KafkaProducer<byte[], byte[]> producer = KafkaTopics.producer(KAFKA.bootstrapServers())) {
            for (CsvRow r : rows) {
                producer.send(
                        new ProducerRecord<>(topic, r.key().getBytes(StandardCharsets.UTF_8), KafkaTopics.event(r)));
            }
        }
    }

    private static void sendControls(String topic, List<String> controls) {
        try (KafkaProducer<byte[], byte[]> producer = KafkaTopics.producer(KAFKA.bootstrapServers())) {
            controls.forEach(c -> producer.send(new ProducerRecord<>(topic, c.getBytes(StandardCharsets.UTF_8))));
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
