package io.flinkrnn.jobs.run;

import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;

/**
 * Event time in the Kafka source: a record's timestamp is its event's {@code ts}, so the source
 * tracks a watermark per partition (Flink's per-split watermarks) and one key's timestamps never
 * make another partition's events late. The value is parsed here and again in {@link ParseEvents},
 * which keeps every decision about bad records (dead letters with their bytes) in one place; the
 * second parse is the price of event-time mode. A record that is not an event of the format gets
 * {@link Long#MIN_VALUE}, which moves no watermark, and becomes a dead letter downstream.
 */
final class EventTimestamps implements SerializableTimestampAssigner<KafkaPayload> {

    private static final long serialVersionUID = 1L;

    private final EventFormat format;

    EventTimestamps(EventFormat format) {
        this.format = format;
    }

    @Override
    public long extractTimestamp(KafkaPayload record, long recordTimestamp) {
        if (record.value() == null) {
            return Long.MIN_VALUE;
        }
        try {
            return format.parse(record.value()).timestamp();
        } catch (EventFormat.BadEvent e) {
            return Long.MIN_VALUE;
        }
    }
}
