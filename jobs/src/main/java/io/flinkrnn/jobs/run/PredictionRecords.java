package io.flinkrnn.jobs.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkrnn.operators.Prediction;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a prediction as {@code {"key": "...", "ts": 123, "y": [..], "model_version": "..."}} (and
 * {@code "states"} when the job emits them), keyed by the event key so each key stays in one
 * partition of the output topic, in order, with the record timestamp {@link OutputTimestamp} picks.
 *
 * <p>A prediction whose record timestamp Kafka would refuse goes to the dead-letter topic instead,
 * with the reason and the prediction as payload, in the same transaction: a refused record would fail
 * the sink, and the replay after the restart would fail it again.
 */
final class PredictionRecords implements KafkaRecordSerializationSchema<Prediction> {

    static final JsonMapper JSON = new JsonMapper();

    private final String topic;
    private final OutputTimestamp timestamps;
    private final DeadLetterRecords deadLetters;

    PredictionRecords(String topic, OutputTimestamp timestamps, DeadLetterRecords deadLetters) {
        this.topic = topic;
        this.timestamps = timestamps;
        this.deadLetters = deadLetters;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(Prediction p, KafkaSinkContext context, Long timestamp) {
        ObjectNode json = JSON.createObjectNode();
        json.put("key", p.key());
        json.put("ts", p.timestamp());
        floats(json.putArray("y"), p.outputs());
        json.put("model_version", p.modelVersion());
        if (p.states() != null) {
            floats(json.putArray("states"), p.states());
        }
        Long recordTimestamp = timestamps.of(p);
        String refusal = OutputTimestamp.refusal(recordTimestamp, System.currentTimeMillis());
        if (refusal != null) {
            String reason = "Kafka would refuse the record timestamp " + recordTimestamp + " (" + refusal + ") that "
                    + RunOptions.OUTPUT_TIMESTAMP.key() + ": " + timestamps.value()
                    + " gives; 'event' needs ts in epoch milliseconds";
            return deadLetters.serialize(DeadLetter.unwritable(p, reason, bytes(json)), context, null);
        }
        return new ProducerRecord<>(
                topic, null, recordTimestamp, p.key().getBytes(StandardCharsets.UTF_8), bytes(json));
    }

    /** float32 values are written as floats, so they read back bit for bit. */
    private static void floats(ArrayNode array, float[] values) {
        for (float v : values) {
            array.add(v);
        }
    }

    static byte[] bytes(ObjectNode json) {
        try {
            return JSON.writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + json, e);
        }
    }
}
