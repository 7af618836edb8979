package io.flinkrnn.sql;

import java.util.Map;

/**
 * What RNN_INFER keeps for one partition key in Flink managed state: the key's flat engine state
 * (recurrent states, window, last output; {@code io.flinkrnn.engine.StateLayout}) and, with {@code
 * on_time}, the rows that wait for the watermark. All fields null is a key that has seen nothing.
 */
public class KeyMemory {

    /** The engine state, or {@code null} for a fresh key. */
    public float[] state;

    /** Rows waiting for the watermark to pass their time (with {@code on_time}), by their time. */
    public Map<Long, Pending> pending;

    /** The model the pending rows are for, so that a timer can serve them after a restore. */
    public ModelRef pendingFor;

    public KeyMemory() {}

    /** One row buffered until the watermark passes it. */
    public static class Pending {

        /** The row's features, already checked. */
        public float[] features;

        /** Whether the key resets right before this row. */
        public boolean reset;

        public Pending() {}

        Pending(float[] features, boolean reset) {
            this.features = features;
            this.reset = reset;
        }
    }
}
