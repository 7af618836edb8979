package io.flinkrnn.jobs.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a dead letter as {@code {"stage", "reason", "key", "ts", "origin", "payload"}}. The
 * original bytes go into {@code payload} as text when they are UTF-8, else into {@code
 * payload_base64}; beyond {@link RecordLimits#MAX_PAYLOAD_BYTES} only their start is kept, with
 * {@code payload_bytes} giving the whole size ({@code origin} points at the whole record), so that a
 * dead letter always fits a Kafka request.
 *
 * <p>The record timestamp is never the event's {@code ts}, which is often what is wrong with it: it
 * is the input record's Kafka timestamp where the job still has it and Kafka takes it (unless {@code
 * processing-time} is asked for), else the time of writing.
 */
final class DeadLetterRecords implements KafkaRecordSerializationSchema<DeadLetter> {

    private final String topic;
    private final OutputTimestamp timestamps;

    DeadLetterRecords(String topic, OutputTimestamp timestamps) {
        this.topic = topic;
        this.timestamps = timestamps;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter d, KafkaSinkContext context, Long timestamp) {
        ObjectNode json = PredictionRecords.JSON.createObjectNode();
        // A key too long to write is the reason of the letter; origin and payload still identify it.
        String keyText = d.key() == null || !RecordLimits.keyFits(d.key()) ? null : d.key();
        json.put("stage", d.stage());
        json.put("reason", d.reason());
        json.put("key", keyText);
        json.put("ts", d.ts());
        json.put("origin", d.origin());
        if (d.payload() != null) {
            byte[] kept = d.payload();
            if (kept.length > RecordLimits.MAX_PAYLOAD_BYTES) {
                kept = Arrays.copyOf(kept, RecordLimits.MAX_PAYLOAD_BYTES);
                json.put("payload_bytes", d.payload().length);
            }
            String text = utf8(kept);
            if (text != null) {
                json.put("payload", text);
            } else {
                json.put("payload_base64", Base64.getEncoder().encodeToString(kept));
            }
        }
        byte[] key = keyText == null ? null : keyText.getBytes(StandardCharsets.UTF_8);
        return new ProducerRecord<>(topic, null, recordTimestamp(d), key, PredictionRecords.bytes(json));
    }

    /** The input record's timestamp, or {@code null} for the producer's clock. */
    private Long recordTimestamp(DeadLetter d) {
        if (timestamps == OutputTimestamp.PROCESSING_TIME) {
            return null;
        }
        Long source = OutputTimestamp.source(d.sourceTimestamp());
        return OutputTimestamp.refusal(source, System.currentTimeMillis()) == null ? source : null;
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
