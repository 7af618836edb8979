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
 * partition of the output topic, in order.
 */
final class PredictionRecords implements KafkaRecordSerializationSchema<Prediction> {

    static final JsonMapper JSON = new JsonMapper();

    private final String topic;

    PredictionRecords(String topic) {
        this.topic = topic;
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
        return new ProducerRecord<>(
                topic, null, kafkaTimestamp(timestamp), p.key().getBytes(StandardCharsets.UTF_8), bytes(json));
    }

    /** The input record's Kafka timestamp; none (Kafka then stamps the record) when Flink has none. */
    static Long kafkaTimestamp(Long timestamp) {
        return timestamp == null || timestamp < 0 ? null : timestamp;
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
