package io.flinkrnn.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** A dead letter always fits a Kafka request: long payloads are cut, a key too long is left out. */
class DeadLetterRecordsTest {

    private static final DeadLetterRecords RECORDS =
            new DeadLetterRecords("dead-letters", OutputTimestamp.INPUT_RECORD);

    @Test
    void keysAreMeasuredInUtf8Bytes() {
        assertThat(RecordLimits.keyFits("é".repeat(32 * 1024))).isTrue();
        assertThat(RecordLimits.keyRefusal("é".repeat(32 * 1024 + 1))).isEqualTo("key is 65538 bytes, more than 65536");
        assertThat(RecordLimits.keyRefusal("sensor-1")).isNull();
    }

    @Test
    void aLongPayloadKeepsItsStartAndSaysItsSize() throws IOException {
        byte[] value = new byte[100_000];
        Arrays.fill(value, (byte) 0xff);
        KafkaPayload record = new KafkaPayload("events", 0, 7, 1L, value);
        JsonNode letter = json(RECORDS.serialize(DeadLetter.unparsed(record, "not JSON"), null, null));
        assertThat(letter.get("payload_bytes").asInt()).isEqualTo(100_000);
        assertThat(Base64.getDecoder().decode(letter.get("payload_base64").asText()))
                .isEqualTo(Arrays.copyOf(value, RecordLimits.MAX_PAYLOAD_BYTES));
    }

    @Test
    void aShortPayloadIsKeptWholeWithoutASize() throws IOException {
        KafkaPayload record =
                new KafkaPayload("events", 0, 7, 1L, "{oops".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        JsonNode letter = json(RECORDS.serialize(DeadLetter.unparsed(record, "not JSON"), null, null));
        assertThat(letter.get("payload").asText()).isEqualTo("{oops");
        assertThat(letter.has("payload_bytes")).isFalse();
    }

    @Test
    void aKeyTooLongToWriteIsLeftOutAndATombstoneHasNoPayload() throws IOException {
        KafkaPayload tombstone = new KafkaPayload("events", 0, 8, 1L, null);
        ProducerRecord<byte[], byte[]> r = RECORDS.serialize(
                new DeadLetter("parse", "key is too long", "k".repeat(70_000), 3L, tombstone.origin(), null, 1L),
                null,
                null);
        assertThat(r.key()).isNull();
        JsonNode letter = json(r);
        assertThat(letter.get("key").isNull()).isTrue();
        assertThat(letter.has("payload")).isFalse();
        assertThat(letter.get("origin").asText()).isEqualTo("events-0@8");
    }

    private static JsonNode json(ProducerRecord<byte[], byte[]> r) throws IOException {
        return KafkaTopics.JSON.readTree(r.value());
    }
}
