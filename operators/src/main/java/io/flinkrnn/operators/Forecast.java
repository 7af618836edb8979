package io.flinkrnn.operators;

/**
 * The answer to a forecast request: {@code horizon} outputs, each fed back as the next input, from
 * the key's state at the time of the request. {@code outputs} holds them one after another.
 */
public record Forecast(String key, long timestamp, int horizon, float[] outputs, String modelVersion) {}
