package io.flinkrnn.jobs.run;

/**
 * A Kafka record's value as read, with where it came from, so a bad one can be traced back, and its
 * record timestamp (epoch milliseconds, -1 when it has none), which its outputs may carry on. The value
 * is {@code null} for a tombstone.
 */
public record KafkaPayload(String topic, int partition, long offset, long timestamp, byte[] value) {

    /** {@code topic-partition@offset}, the way Kafka's tools name a record. */
    public String origin() {
        return topic + "-" + partition + "@" + offset;
    }
}
