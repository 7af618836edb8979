package io.flinkrnn.jobs.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a dead letter as {@code {"stage", "reason", "key", "ts", "origin", "payload"}}. The
 * original bytes go into {@code payload} as text when they are UTF-8, else into {@code
 * payload_base64}, so that no byte of a bad record is lost.
 */
final class DeadLetterRecords implements KafkaRecordSerializationSchema<DeadLetter> {

    private final String topic;

    DeadLetterRecords(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter d, KafkaSinkContext context, Long timestamp) {
        ObjectNode json = PredictionRecords.JSON.createObjectNode();
        json.put("stage", d.stage());
        json.put("reason", d.reason());
        json.put("key", d.key());
        json.put("ts", d.ts());
        json.put("origin", d.origin());
        if (d.payload() != null) {
            String text = utf8(d.payload());
            if (text != null) {
                json.put("payload", text);
            } else {
                json.put("payload_base64", Base64.getEncoder().encodeToString(d.payload()));
            }
        }
        byte[] key = d.key() == null ? null : d.key().getBytes(StandardCharsets.UTF_8);
        return new ProducerRecord<>(
                topic, null, PredictionRecords.kafkaTimestamp(timestamp), key, PredictionRecords.bytes(json));
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
