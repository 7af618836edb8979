package io.flinkrnn.jobs.run;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Hands every record on as bytes: parsing happens in {@link ParseEvents}, where a bad record becomes
 * a dead letter instead of an exception that would fail the source and loop on restart.
 */
final class PayloadDeserializer implements KafkaRecordDeserializationSchema<KafkaPayload> {

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<KafkaPayload> out) {
        // A tombstone's null value stays null, so that its dead letter can say what it is.
        out.collect(new KafkaPayload(
                record.topic(), record.partition(), record.offset(), record.timestamp(), record.value()));
    }

    @Override
    public TypeInformation<KafkaPayload> getProducedType() {
        return TypeInformation.of(KafkaPayload.class);
    }
}
