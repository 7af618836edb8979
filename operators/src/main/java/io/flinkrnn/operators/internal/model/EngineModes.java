package io.flinkrnn.operators.internal.model;

import io.flinkrnn.engine.Mode;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.operators.RnnOptions;
import io.flinkrnn.operators.internal.EnumOptions;
import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.ReadableConfig;

/**
 * The one place a mode and a window length ({@link RnnOptions#MODE}, {@link RnnOptions#WINDOW}, or
 * their flags) become an engine mode for a model: the builder's client-side check, the operator, the
 * Kafka job's config check and the command line all go through it.
 */
@Internal
public final class EngineModes {

    private EngineModes() {}

    /** The mode of {@code config}. */
    public static RnnOptions.Mode mode(ReadableConfig config) {
        return EnumOptions.get(config, RnnOptions.MODE, "the mode");
    }

    /** {@code name} as a mode, in any case. */
    public static RnnOptions.Mode mode(String name) {
        return EnumOptions.parse(RnnOptions.Mode.class, name, "the mode");
    }

    /**
     * What can be checked without the model: a window length needs window mode. A mode alone is read
     * only when a window is set, so an unknown one is reported with the model (as {@link #of} does).
     */
    public static void checkWindow(ReadableConfig config) {
        config.getOptional(RnnOptions.WINDOW).ifPresent(n -> checkWindow(mode(config), n));
    }

    /** @throws IllegalArgumentException when {@code window} is set and {@code mode} is not window */
    public static void checkWindow(RnnOptions.Mode mode, Integer window) {
        if (window != null && mode != RnnOptions.Mode.WINDOW) {
            throw new IllegalArgumentException(RnnOptions.WINDOW.key() + " is set but " + RnnOptions.MODE.key()
                    + " is '" + EnumOptions.name(mode) + "': a window length needs window mode");
        }
    }

    /** {@link #of(RnnOptions.Mode, Integer, ModelSpec)} for a mode name, from a flag. */
    public static Mode of(String mode, Integer window, ModelSpec spec) {
        return of(mode(mode), window, spec);
    }

    /**
     * @param window the window length N, or {@code null} for the model's fixed input length
     * @throws IllegalArgumentException for a window without window mode, or window mode on a model
     *     with no fixed length and no N
     */
    public static Mode of(RnnOptions.Mode mode, Integer window, ModelSpec spec) {
        checkWindow(mode, window);
        return switch (mode) {
            case AUTO -> Mode.auto();
            case STATEFUL -> Mode.stateful();
            case WINDOW -> Mode.window(window != null ? window : fixedLength(spec));
        };
    }

    private static int fixedLength(ModelSpec spec) {
        Integer n = spec.input().timeSteps();
        if (n == null) {
            throw new IllegalArgumentException("window mode needs " + RnnOptions.WINDOW.key() + ": " + spec.name()
                    + " takes sequences of any length");
        }
        return n;
    }
}
