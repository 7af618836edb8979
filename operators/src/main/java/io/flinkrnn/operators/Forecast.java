package io.flinkrnn.operators;

import org.apache.flink.annotation.PublicEvolving;

/**
 * The answer to a forecast request: {@code horizon} outputs, each fed back as the next input, from
 * the key's state at the time of the request. The key's live state does not change.
 *
 * @param key the key the forecast ran for
 * @param timestamp the timestamp of the key's last event before the request
 * @param horizon the number of steps
 * @param outputs the {@code horizon} outputs one after another, each flattened in C order
 * @param modelVersion the version of the model that computed them
 */
@PublicEvolving
public record Forecast(String key, long timestamp, int horizon, float[] outputs, String modelVersion) {}
