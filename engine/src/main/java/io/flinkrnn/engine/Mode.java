package io.flinkrnn.engine;

/**
 * How events of a key become model inputs (docs/SEMANTICS.md section 2).
 *
 * <ul>
 *   <li>{@link #stateful()}: states carry from event to event; event t's output is Keras's {@code
 *       model.predict(events[0..t])} (step t of it for {@code return_sequences=True}).
 *   <li>{@link #window(int)}: the last N events are kept; each event runs the model from zero state
 *       over them, {@code model.predict(last N events)}. Nothing is emitted before N events, unless
 *       {@link #withPrePadding()} asks for Keras's {@code pad_sequences(padding='pre')}.
 *   <li>{@link #auto()}: stateful when the file says {@code stateful=True}; window(N) when the model
 *       has a fixed input length N; otherwise stateful.
 * </ul>
 *
 * @param window N for window mode, 0 otherwise
 * @param prePadding whether window mode emits from the first event, the window zero-padded in front
 */
public record Mode(Kind kind, int window, boolean prePadding) {

    public enum Kind {
        AUTO,
        STATEFUL,
        WINDOW
    }

    public Mode {
        if (kind == Kind.WINDOW && window < 1) {
            throw new IllegalArgumentException("a window holds at least one event, got " + window);
        }
        if (kind != Kind.WINDOW && window != 0) {
            throw new IllegalArgumentException("only window mode has a window length");
        }
    }

    public static Mode auto() {
        return new Mode(Kind.AUTO, 0, false);
    }

    public static Mode stateful() {
        return new Mode(Kind.STATEFUL, 0, false);
    }

    public static Mode window(int n) {
        return new Mode(Kind.WINDOW, n, false);
    }

    /** Zero pre-padding for window mode (kept through {@link #auto()} if that resolves to a window). */
    public Mode withPrePadding() {
        return new Mode(kind, window, true);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case AUTO -> "auto";
            case STATEFUL -> "stateful";
            case WINDOW -> "window(" + window + (prePadding ? ", pre-padded" : "") + ")";
        };
    }
}
