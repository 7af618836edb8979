package io.flinkrnn.operators;

/**
 * The model's output for one event of one key, flattened in C order without the batch axis.
 *
 * @param timestamp the event's {@code ts}
 * @param states the key's recurrent states after this event when the job asks for them ({@code
 *     return_state}), else {@code null}
 * @param sourceTimestamp the event's {@link RnnEvent#sourceTimestamp()}
 */
public record Prediction(
        String key, long timestamp, float[] outputs, String modelVersion, float[] states, long sourceTimestamp) {

    public Prediction(String key, long timestamp, float[] outputs, String modelVersion, float[] states) {
        this(key, timestamp, outputs, modelVersion, states, RnnEvent.NO_SOURCE_TIMESTAMP);
    }
}
