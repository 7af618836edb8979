package io.flinkrnn.operators;

import org.apache.flink.annotation.PublicEvolving;

/**
 * The model's output for one event of one key, flattened in C order without the batch axis.
 *
 * @param key the event's key
 * @param timestamp the event's {@code ts}
 * @param outputs the model's output for the event, flattened in C order
 * @param modelVersion the version of the model that computed it (a file's name, or a store version)
 * @param states the key's recurrent states after this event when the job asks for them ({@code
 *     return_state}), else {@code null}
 * @param sourceTimestamp the event's {@link RnnEvent#sourceTimestamp()}
 */
@PublicEvolving
public record Prediction(
        String key, long timestamp, float[] outputs, String modelVersion, float[] states, long sourceTimestamp) {

    /**
     * A prediction for an event that did not come from a timestamped record.
     *
     * @param key the event's key
     * @param timestamp the event's {@code ts}
     * @param outputs the model's output for the event
     * @param modelVersion the version of the model that computed it
     * @param states the key's states after the event, or {@code null}
     */
    public Prediction(String key, long timestamp, float[] outputs, String modelVersion, float[] states) {
        this(key, timestamp, outputs, modelVersion, states, RnnEvent.NO_SOURCE_TIMESTAMP);
    }
}
