package io.flinkrnn.operators;

/**
 * The model's output for one event of one key, flattened in C order without the batch axis.
 *
 * @param states the key's recurrent states after this event when the job asks for them ({@code
 *     return_state}), else {@code null}
 */
public record Prediction(String key, long timestamp, float[] outputs, String modelVersion, float[] states) {}
