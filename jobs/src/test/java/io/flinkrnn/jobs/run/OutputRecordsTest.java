package io.flinkrnn.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.operators.Prediction;
import io.flinkrnn.operators.RnnEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Kafka record each output becomes: its record timestamp follows {@code
 * flink-rnn.kafka.output-timestamp}, the payload keeps {@code ts}, and a timestamp Kafka would refuse
 * never reaches the predictions topic.
 */
class OutputRecordsTest {

    private static final long NOW = System.currentTimeMillis();
    /** The same step as a step number, epoch seconds and epoch microseconds. */
    private static final long[] TS = {17, NOW / 1000, NOW * 1000};

    private static PredictionRecords predictions(OutputTimestamp t) {
        return new PredictionRecords("predictions", t, new DeadLetterRecords("dead-letters", t), 1024 * 1024);
    }

    private static Prediction prediction(long ts, long source) {
        return new Prediction("sensor-1", ts, new float[] {0.25f}, "v1", null, source);
    }

    @ParameterizedTest(name = "ts={0}")
    @ValueSource(longs = {17, 1_764_000_000L, 1_764_000_000_000_000L})
    void inputRecordTakesTheInputsKafkaTimestampWhateverTsCounts(long ts) throws IOException {
        ProducerRecord<byte[], byte[]> r =
                predictions(OutputTimestamp.INPUT_RECORD).serialize(prediction(ts, NOW - 5), null, ts);
        assertThat(r.topic()).isEqualTo("predictions");
        assertThat(r.timestamp()).isEqualTo(NOW - 5);
        assertThat(json(r).get("ts").asLong()).isEqualTo(ts);
        assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("sensor-1");
    }

    @Test
    void withoutAnInputTimestampTheProducerStampsTheRecord() {
        for (long none : new long[] {RnnEvent.NO_SOURCE_TIMESTAMP, -1}) {
            assertThat(predictions(OutputTimestamp.INPUT_RECORD)
                            .serialize(prediction(17, none), null, null)
                            .timestamp())
                    .isNull();
        }
    }

    @Test
    void processingTimeLeavesTheTimestampToTheProducer() {
        for (long ts : TS) {
            ProducerRecord<byte[], byte[]> r =
                    predictions(OutputTimestamp.PROCESSING_TIME).serialize(prediction(ts, NOW - 5), null, ts);
            assertThat(r.topic()).isEqualTo("predictions");
            assertThat(r.timestamp()).isNull();
        }
    }

    @Test
    void eventTakesTsWhenItIsATimestampKafkaTakes() {
        ProducerRecord<byte[], byte[]> r =
                predictions(OutputTimestamp.EVENT).serialize(prediction(NOW - 60_000, NOW), null, null);
        assertThat(r.topic()).isEqualTo("predictions");
        assertThat(r.timestamp()).isEqualTo(NOW - 60_000);
    }

    @ParameterizedTest(name = "ts={0}")
    @ValueSource(longs = {-3, 1_764_000_000_000_000L})
    void eventWithATimestampKafkaRefusesIsADeadLetterCarryingThePrediction(long ts) throws IOException {
        ProducerRecord<byte[], byte[]> r =
                predictions(OutputTimestamp.EVENT).serialize(prediction(ts, NOW - 5), null, null);
        assertThat(r.topic()).isEqualTo("dead-letters");
        assertThat(r.timestamp()).as("the input record's timestamp").isEqualTo(NOW - 5);
        JsonNode letter = json(r);
        assertThat(letter.get("stage").asText()).isEqualTo("output");
        assertThat(letter.get("ts").asLong()).isEqualTo(ts);
        assertThat(letter.get("reason").asText())
                .startsWith("Kafka would refuse the record timestamp " + ts + " (")
                .endsWith("that flink-rnn.kafka.output-timestamp: event gives; 'event' needs ts in epoch milliseconds");
        JsonNode prediction = KafkaTopics.JSON.readTree(letter.get("payload").asText());
        assertThat(prediction.get("key").asText()).isEqualTo("sensor-1");
        assertThat(prediction.get("ts").asLong()).isEqualTo(ts);
        assertThat(prediction.get("y").get(0).floatValue()).isEqualTo(0.25f);
    }

    @Test
    void aPredictionLargerThanTheProducerTakesIsADeadLetter() throws IOException {
        float[] states = new float[600];
        Arrays.fill(states, -0.123456789f);
        Prediction p = new Prediction("sensor-1", 17, new float[] {0.25f}, "v1", states, NOW - 5);
        var records = new PredictionRecords(
                "predictions",
                OutputTimestamp.INPUT_RECORD,
                new DeadLetterRecords("dead-letters", OutputTimestamp.INPUT_RECORD),
                8 * 1024);
        ProducerRecord<byte[], byte[]> r = records.serialize(p, null, null);
        assertThat(r.topic()).isEqualTo("dead-letters");
        JsonNode letter = json(r);
        assertThat(letter.get("stage").asText()).isEqualTo("output");
        assertThat(letter.get("reason").asText())
                .matches("the prediction is \\d+ bytes, more than the producer's max.request.size \\(8192\\) takes");
        assertThat(KafkaTopics.JSON.readTree(letter.get("payload").asText()).get("states"))
                .hasSize(600);
        Prediction small = new Prediction("sensor-1", 17, new float[] {0.25f}, "v1", new float[10], NOW - 5);
        assertThat(records.serialize(small, null, null).topic()).isEqualTo("predictions");
    }

    @Test
    void deadLettersNeverTakeTheirTs() {
        RnnEvent lateMicros = new RnnEvent("k", NOW * 1000, new float[] {1}, NOW - 5);
        for (OutputTimestamp t : OutputTimestamp.values()) {
            ProducerRecord<byte[], byte[]> r =
                    new DeadLetterRecords("dead-letters", t).serialize(DeadLetter.late(lateMicros), null, NOW * 1000);
            assertThat(r.timestamp()).as(t.value()).isEqualTo(t == OutputTimestamp.PROCESSING_TIME ? null : NOW - 5);
        }
        KafkaPayload futureInput = new KafkaPayload("events", 0, 4, NOW * 1000, new byte[] {1});
        assertThat(new DeadLetterRecords("dead-letters", OutputTimestamp.INPUT_RECORD)
                        .serialize(DeadLetter.unparsed(futureInput, "not JSON"), null, null)
                        .timestamp())
                .as("an input timestamp Kafka would refuse on this topic")
                .isNull();
    }

    private static JsonNode json(ProducerRecord<byte[], byte[]> r) throws IOException {
        return KafkaTopics.JSON.readTree(r.value());
    }
}
