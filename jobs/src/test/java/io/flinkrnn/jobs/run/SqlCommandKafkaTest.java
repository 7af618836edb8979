package io.flinkrnn.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkrnn.jobs.cli.FlinkRnnCli;
import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.fixtures.KerasExpectations;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code flink-rnn sql -f examples/sensors.sql} against a real Kafka broker: a fixture's events as
 * the demo's JSON events in, RNN_INFER's predictions out, each equal to Keras's.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SqlCommandKafkaTest {

    @TempDir
    Path dir;

    @Test
    void theBundledExampleServesKafkaEventsAsKerasDoes() throws Exception {
        Fixture fixture = Fixture.named("keras3_lstm_seq");
        try (KafkaBroker broker = KafkaBroker.start(dir)) {
            broker.createTopic("events", 2);
            broker.createTopic("predictions", 1);
            try (KafkaProducer<byte[], byte[]> producer = KafkaTopics.producer(broker.bootstrapServers())) {
                for (CsvRow e : fixture.eventRows()) {
                    producer.send(new ProducerRecord<>("events", e.key().getBytes(StandardCharsets.UTF_8), json(e)));
                }
            }
            Path example = Fixture.root().getParent().resolve("examples/sensors.sql");
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cli = FlinkRnnCli.commandLine();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            int exit = cli.execute(
                    "sql",
                    "-f",
                    example.toString(),
                    "--no-web-ui",
                    "--var",
                    "bootstrap=" + broker.bootstrapServers(),
                    "--var",
                    "events_topic=events",
                    "--var",
                    "predictions_topic=predictions",
                    "--var",
                    "bounded=latest-offset",
                    "--var",
                    "model=" + fixture.file("keras").orElseThrow());
            assertThat(exit).as("exit code; output:%n%s%nerrors:%n%s", out, err).isZero();

            List<CsvRow> expected = fixture.expectedRows();
            try (KafkaTopics.Reader reader =
                    new KafkaTopics.Reader(broker.bootstrapServers(), Map.of("predictions", 1))) {
                List<JsonNode> predictions =
                        reader.awaitAtLeast("predictions", expected.size(), Duration.ofSeconds(60));
                reader.drain(Duration.ofSeconds(1));
                assertThat(predictions)
                        .extracting(p -> p.get("model_version").asText())
                        .containsOnly("model.keras");
                KerasExpectations.assertMatches(inKeyOrder(predictions, expected), expected);
            }
        }
    }

    private static byte[] json(CsvRow e) {
        ObjectNode json = KafkaTopics.JSON.createObjectNode();
        json.put("key", e.key());
        json.put("ts", e.t());
        var x = json.putArray("x");
        for (float v : e.values()) {
            x.add(v);
        }
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The example writes no time (RNN_INFER in arrival order has none); each key's records keep the
     * order of its events, so the i-th record of a key takes the time of Keras's i-th row of it.
     */
    private static List<CsvRow> inKeyOrder(List<JsonNode> predictions, List<CsvRow> expected) {
        Map<String, List<Long>> times = new HashMap<>();
        expected.forEach(
                e -> times.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(e.t()));
        Map<String, Integer> seen = new HashMap<>();
        List<CsvRow> rows = new ArrayList<>();
        for (JsonNode p : predictions) {
            String key = p.get("key").asText();
            int i = seen.merge(key, 1, Integer::sum) - 1;
            List<Long> keyTimes = times.getOrDefault(key, List.of());
            float[] y = new float[p.get("y").size()];
            for (int k = 0; k < y.length; k++) {
                y[k] = p.get("y").get(k).floatValue();
            }
            rows.add(new CsvRow(key, i < keyTimes.size() ? keyTimes.get(i) : -1 - i, y));
        }
        return rows;
    }
}
