package io.flinkrnn.operators;

/**
 * A control event, broadcast to every subtask: the subtask that owns {@code key} acts on it.
 *
 * @param key the key for {@link Kind#RESET_KEY} and {@link Kind#FORECAST}, else {@code null}
 * @param horizon forecast steps for {@link Kind#FORECAST}
 * @param version the store version (or {@code latest}) for {@link Kind#SWAP_MODEL}
 */
public record Control(Kind kind, String key, int horizon, String version) {

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

    public static Control resetKey(String key) {
        return new Control(Kind.RESET_KEY, key, 0, null);
    }

    public static Control resetAll() {
        return new Control(Kind.RESET_ALL, null, 0, null);
    }

    public static Control forecast(String key, int horizon) {
        return new Control(Kind.FORECAST, key, horizon, null);
    }

    public static Control swapModel(String version) {
        return new Control(Kind.SWAP_MODEL, null, 0, version);
    }
}
