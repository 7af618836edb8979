package io.flinkrnn.operators.internal.model;

import io.flinkrnn.engine.Mode;
import io.flinkrnn.model.spec.ModelSpec;
import java.util.Locale;
import org.apache.flink.annotation.Internal;

/** Turns a mode name and an optional window length, from options or flags, into an engine mode. */
@Internal
public final class EngineModes {

    private EngineModes() {}

    /**
     * @param window the window length N, or {@code null} for the model's fixed input length
     * @throws IllegalArgumentException for an unknown mode, a window without window mode, or window
     *     mode on a model with no fixed length and no N
     */
    public static Mode of(String mode, Integer window, ModelSpec spec) {
        String name = mode.toLowerCase(Locale.ROOT);
        if (window != null && !name.equals("window")) {
            throw new IllegalArgumentException("a window length (" + window + ") needs window mode, not " + mode);
        }
        return switch (name) {
            case "auto" -> Mode.auto();
            case "stateful" -> Mode.stateful();
            case "window" -> Mode.window(window != null ? window : fixedLength(spec));
            default -> throw new IllegalArgumentException("the mode is auto, stateful or window; got '" + mode + "'");
        };
    }

    private static int fixedLength(ModelSpec spec) {
        Integer n = spec.input().timeSteps();
        if (n == null) {
            throw new IllegalArgumentException(
                    "window mode needs a window length N: " + spec.name() + " takes sequences of any length");
        }
        return n;
    }
}
