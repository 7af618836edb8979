package io.flinkrnn.operators.state;

/**
 * What one key keeps in Flink managed state: the engine's flat state vector (recurrent states per
 * layer, last output, window ring) and the few facts the operator needs around it. Mutable on
 * purpose: the operator reads it, lets the engine update {@link #values} in place, and writes it
 * back, so the hot path allocates nothing per event.
 */
public final class KeyState {

    /** The engine's state for this key, laid out by its {@code StateLayout}. */
    public float[] values;

    /** Timestamp of the key's last processed event, for session gaps and ordering. */
    public long lastTimestamp;

    /** Events processed since the key's last reset. */
    public long events;

    /** The reset-all generation this state belongs to; an older one reads as a fresh key. */
    public int epoch;

    public KeyState(float[] values, long lastTimestamp, long events, int epoch) {
        this.values = values;
        this.lastTimestamp = lastTimestamp;
        this.events = events;
        this.epoch = epoch;
    }

    public KeyState copy() {
        return new KeyState(values.clone(), lastTimestamp, events, epoch);
    }
}
