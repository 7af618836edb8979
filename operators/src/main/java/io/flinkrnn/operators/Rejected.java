package io.flinkrnn.operators;

import org.apache.flink.annotation.PublicEvolving;

/**
 * An event (or a control) that changed no state, and why.
 *
 * @param key the event's or the forecast's key; {@code null} for an event without one and for a
 *     refused model swap
 * @param timestamp the event's {@code ts}; for a forecast, the key's last event's; {@link
 *     Long#MIN_VALUE} for a refused model swap
 * @param reason a one-line reason naming what was wrong, e.g. the expected and the actual width
 */
@PublicEvolving
public record Rejected(String key, long timestamp, String reason) {}
