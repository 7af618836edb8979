package io.flinkrnn.operators;

import org.apache.flink.annotation.PublicEvolving;

/**
 * A control event, broadcast to every subtask: the subtask that owns {@code key} acts on it.
 *
 * @param kind what to do
 * @param key the key for {@link Kind#RESET_KEY} and {@link Kind#FORECAST}, else {@code null}
 * @param horizon forecast steps for {@link Kind#FORECAST}
 * @param version the store version (or {@code latest}) for {@link Kind#SWAP_MODEL}
 */
@PublicEvolving
public record Control(Kind kind, String key, int horizon, String version) {

    /** What a control asks for. */
    public enum Kind {
        /** Keras {@code reset_states()} for one batch row. */
        RESET_KEY,
        /** Keras {@code reset_states()}: every key starts over. */
        RESET_ALL,
        /** Run {@code horizon} steps feeding each output back, without touching the live state. */
        FORECAST,
        /** Serve another version of the model from the store, from this point of the stream on. */
        SWAP_MODEL
    }

    /**
     * Starts {@code key} over from zero state, like Keras {@code reset_states()} for its batch row.
     *
     * @param key the key to reset
     * @return the control
     */
    public static Control resetKey(String key) {
        return new Control(Kind.RESET_KEY, key, 0, null);
    }

    /**
     * Starts every key over from zero state, like Keras {@code reset_states()}.
     *
     * @return the control
     */
    public static Control resetAll() {
        return new Control(Kind.RESET_ALL, null, 0, null);
    }

    /**
     * Asks for {@code horizon} steps from {@code key}'s current state, each output fed back as the next
     * input; the answer is a {@link Forecast}, or a {@link Rejected} for a horizon out of range.
     *
     * @param key the key to forecast
     * @param horizon the number of steps, from 1 to {@link RnnOptions#FORECAST_MAX_HORIZON}
     * @return the control
     */
    public static Control forecast(String key, int horizon) {
        return new Control(Kind.FORECAST, key, horizon, null);
    }

    /**
     * Serves another version of a store model ({@link ModelSource#fromStore(String, String, String)})
     * from this point of the stream on; a version that cannot be served is a {@link Rejected}.
     *
     * @param version the store version, or {@code latest}
     * @return the control
     */
    public static Control swapModel(String version) {
        return new Control(Kind.SWAP_MODEL, null, 0, version);
    }
}
