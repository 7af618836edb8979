package io.flinkrnn.operators;

import java.io.Serializable;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One event of one key: the per-step input tensor flattened in C order (docs/SEMANTICS.md section 6), or
 * a single token id for models that start with an Embedding.
 *
 * @param timestamp the event's own time ({@code ts}), in whatever unit its producer counts
 * @param sourceTimestamp the timestamp of the record the event was read from (a Kafka record's, in
 *     epoch milliseconds), handed on to the event's {@link Prediction}, or {@link
 *     #NO_SOURCE_TIMESTAMP}
 */
@TypeInfo(RnnEventSerializer.Factory.class)
public record RnnEvent(String key, long timestamp, float[] features, long sourceTimestamp) implements Serializable {

    /** The event did not come from a timestamped record. */
    public static final long NO_SOURCE_TIMESTAMP = Long.MIN_VALUE;

    public RnnEvent(String key, long timestamp, float[] features) {
        this(key, timestamp, features, NO_SOURCE_TIMESTAMP);
    }
}
