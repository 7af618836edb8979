package io.flinkrnn.operators.state;

import org.apache.flink.annotation.Internal;

/**
 * What one key keeps in Flink managed state: the engine's flat state vector (recurrent states per
 * layer, last output, window ring) and the two facts the operator needs around it. Mutable on
 * purpose: the operator reads it, lets the engine update {@link #values} in place, and writes it
 * back, so the hot path allocates nothing per event.
 *
 * <p>Which model wrote the values is an operator-level fact (its version and state layout, in the
 * operator's checkpointed facts), not a per-key one: every key of an operator was written by the
 * model it served, and a model change that cannot carry the states moves the operator to a new
 * {@link #epoch}, so a key costs no bytes for it. The only per-key check, free since the values'
 * length is stored anyway, is that length against the serving model's state size.
 */
@Internal
public final class KeyState {

    /** The engine's state for this key, laid out by its {@code StateLayout}. */
    public float[] values;

    /**
     * Timestamp of the key's last processed event: session gaps measure from it, forecasts carry
     * it, and it tells a duplicate or out-of-order event from a new one.
     */
    public long lastTimestamp;

    /**
     * The reset generation this state belongs to (reset-all, or a model change that resets states);
     * an older one reads as a fresh key.
     */
    public int epoch;

    public KeyState(float[] values, long lastTimestamp, int epoch) {
        this.values = values;
        this.lastTimestamp = lastTimestamp;
        this.epoch = epoch;
    }

    public KeyState copy() {
        return new KeyState(values.clone(), lastTimestamp, epoch);
    }
}
