package io.flinkrnn.jobs.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkrnn.operators.Prediction;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a prediction as {@code {"key": "...", "ts": 123, "y": [..], "model_version": "..."}} (and
 * {@code "states"} when the job emits them), keyed by the event key so each key stays in one
 * partition of the output topic, in order, with the record timestamp {@link OutputTimestamp} picks.
 *
 * <p>A prediction Kafka would refuse, for its record timestamp or for its size (emitted states of a
 * large model can outgrow {@code max.request.size}), goes to the dead-letter topic instead, with the
 * reason and the prediction as payload, in the same transaction: a refused record would fail the
 * sink, and the replay after the restart would fail it again.
 */
final class PredictionRecords implements KafkaRecordSerializationSchema<Prediction> {

    static final JsonMapper JSON = new JsonMapper();

    /** Room for Kafka's record batch and record headers around a record's key and value. */
    private static final int RECORD_OVERHEAD = 1024;

    private final String topic;
    private final OutputTimestamp timestamps;
    private final DeadLetterRecords deadLetters;
    private final int maxRecordBytes;

    /** {@code maxRecordBytes}: the sink producer's {@code max.request.size}. */
    PredictionRecords(String topic, OutputTimestamp timestamps, DeadLetterRecords deadLetters, int maxRecordBytes) {
        this.topic = topic;
        this.timestamps = timestamps;
        this.deadLetters = deadLetters;
        this.maxRecordBytes = maxRecordBytes;
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
        byte[] key = p.key().getBytes(StandardCharsets.UTF_8);
        byte[] value = bytes(json);
        String refusal = refusal(recordTimestamp, key.length + value.length);
        if (refusal != null) {
            return deadLetters.serialize(DeadLetter.unwritable(p, refusal, value), context, null);
        }
        return new ProducerRecord<>(topic, null, recordTimestamp, key, value);
    }

    /** Why Kafka would refuse this record, or {@code null} when it takes it. */
    private String refusal(Long recordTimestamp, int bytes) {
        String timestampRefusal = OutputTimestamp.refusal(recordTimestamp, System.currentTimeMillis());
        if (timestampRefusal != null) {
            return "Kafka would refuse the record timestamp " + recordTimestamp + " (" + timestampRefusal + ") that "
                    + RunOptions.OUTPUT_TIMESTAMP.key() + ": " + timestamps.value()
                    + " gives; 'event' needs ts in epoch milliseconds";
        }
        if (bytes > maxRecordBytes - RECORD_OVERHEAD) {
            return "the prediction is " + bytes + " bytes, more than the producer's "
                    + ProducerConfig.MAX_REQUEST_SIZE_CONFIG + " (" + maxRecordBytes + ") takes";
        }
        return null;
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
