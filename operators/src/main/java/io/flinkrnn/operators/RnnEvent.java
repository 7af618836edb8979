package io.flinkrnn.operators;

import java.io.Serializable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One event of one key: the per-step input tensor flattened in C order (docs/SEMANTICS.md section 6), or
 * a single token id for models that start with an Embedding.
 *
 * @param key the key whose state the event continues (its batch row)
 * @param timestamp the event's own time ({@code ts}), in whatever unit its producer counts
 * @param features the input of one time step, flattened in C order
 * @param sourceTimestamp the timestamp of the record the event was read from (a Kafka record's, in
 *     epoch milliseconds), handed on to the event's {@link Prediction}, or {@link
 *     #NO_SOURCE_TIMESTAMP}
 * @serial exclude
 */
@PublicEvolving
@TypeInfo(RnnEventSerializer.Factory.class)
public record RnnEvent(String key, long timestamp, float[] features, long sourceTimestamp) implements Serializable {

    /** The event did not come from a timestamped record. */
    public static final long NO_SOURCE_TIMESTAMP = Long.MIN_VALUE;

    /**
     * An event that did not come from a timestamped record.
     *
     * @param key the key whose state the event continues
     * @param timestamp the event's own time
     * @param features the input of one time step, flattened in C order
     */
    public RnnEvent(String key, long timestamp, float[] features) {
        this(key, timestamp, features, NO_SOURCE_TIMESTAMP);
    }
}
