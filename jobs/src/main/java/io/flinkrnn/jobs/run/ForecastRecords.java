package io.flinkrnn.jobs.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkrnn.operators.Forecast;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes the answer to a forecast control to the output topic, keyed by its key like the key's
 * predictions: {@code {"key": "...", "ts": 123, "horizon": 3, "forecast": [..], "model_version":
 * "..."}}. {@code forecast} holds the horizon's outputs one after another; {@code ts} is the
 * key's last served event's, absent for a key with no state. The record timestamp is the time of
 * writing: a forecast has no input record.
 */
final class ForecastRecords implements KafkaRecordSerializationSchema<Forecast> {

    private final String topic;

    ForecastRecords(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(Forecast f, KafkaSinkContext context, Long timestamp) {
        ObjectNode json = PredictionRecords.JSON.createObjectNode();
        json.put("key", f.key());
        if (f.timestamp() != Long.MIN_VALUE) {
            json.put("ts", f.timestamp());
        }
        json.put("horizon", f.horizon());
        var values = json.putArray("forecast");
        for (float v : f.outputs()) {
            values.add(v);
        }
        json.put("model_version", f.modelVersion());
        return new ProducerRecord<>(topic, f.key().getBytes(StandardCharsets.UTF_8), PredictionRecords.bytes(json));
    }
}
