package io.flinkrnn.operators.internal;

import io.flinkrnn.operators.ModelSource;
import io.flinkrnn.operators.RnnInference;
import io.flinkrnn.operators.RnnOptions;
import io.flinkrnn.operators.internal.model.EngineModes;
import java.io.Serializable;
import java.time.Duration;
import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;

/**
 * The operator's immutable settings, read from {@link RnnOptions} and refined by the {@link
 * RnnInference} builder.
 *
 * @param window {@code null} to take the model's fixed input length
 * @param idleTtl {@code null} to keep idle keys forever
 * @param sessionGap {@code null} for no session gap
 * @param allowedLateness {@code null} for arrival order; else events are ordered by event time
 * @param ordering whether an event whose ts is not after its key's last one is rejected
 * @param forecastMaxHorizon most steps a forecast control may ask for
 * @param kernel which kernel compiled models run on
 * @param statePrecision what each key's state values are rounded to and stored in
 */
@Internal
public record RnnSettings(
        ModelSource model,
        RnnOptions.Mode mode,
        Integer window,
        int bundleMaxEvents,
        Duration bundleMaxDelay,
        Duration idleTtl,
        Duration sessionGap,
        Duration allowedLateness,
        RnnOptions.Ordering ordering,
        boolean emitStates,
        RnnOptions.SwapPolicy swapPolicy,
        Duration pollInterval,
        int forecastMaxHorizon,
        RnnOptions.Kernel kernel,
        RnnOptions.StatePrecision statePrecision)
        implements Serializable {

    public RnnSettings {
        if (model == null) {
            throw new IllegalArgumentException("no model: call RnnInference.forModel(...)");
        }
        EngineModes.checkWindow(mode, window);
        if (bundleMaxEvents < 1) {
            throw new IllegalArgumentException(
                    RnnOptions.BUNDLE_MAX_EVENTS.key() + " must be at least 1, got " + bundleMaxEvents);
        }
        requireNonNegative(RnnOptions.BUNDLE_MAX_DELAY.key(), bundleMaxDelay);
        requirePositive(RnnOptions.IDLE_TTL.key(), idleTtl);
        requirePositive(RnnOptions.SESSION_GAP.key(), sessionGap);
        requireNonNegative(RnnOptions.ALLOWED_LATENESS.key(), allowedLateness);
        requirePositive(RnnOptions.POLL_INTERVAL.key(), pollInterval);
        if (forecastMaxHorizon < 1) {
            throw new IllegalArgumentException(
                    RnnOptions.FORECAST_MAX_HORIZON.key() + " must be at least 1, got " + forecastMaxHorizon);
        }
        if (pollInterval != null && !model.inStore()) {
            throw new IllegalArgumentException(RnnOptions.POLL_INTERVAL.key()
                    + " needs a model from a model store, not the file " + model.model());
        }
    }

    /**
     * The settings of {@code config} for {@code model} read within the loader limits {@code config}
     * sets ({@code flink-rnn.model.limits.*}), as {@link io.flinkrnn.operators.RnnInference} resolves them.
     */
    public static RnnSettings of(ModelSource model, ReadableConfig config) {
        return from(model.withLimits(RnnOptions.loadLimits(config)), config);
    }

    /** The settings of {@code config} for {@code model}, whose loader limits are taken as they are. */
    public static RnnSettings from(ModelSource model, ReadableConfig config) {
        return new RnnSettings(
                model,
                EngineModes.mode(config),
                config.getOptional(RnnOptions.WINDOW).orElse(null),
                config.get(RnnOptions.BUNDLE_MAX_EVENTS),
                config.get(RnnOptions.BUNDLE_MAX_DELAY),
                config.getOptional(RnnOptions.IDLE_TTL).orElse(null),
                config.getOptional(RnnOptions.SESSION_GAP).orElse(null),
                config.getOptional(RnnOptions.ALLOWED_LATENESS).orElse(null),
                config.get(RnnOptions.ORDERING),
                config.get(RnnOptions.EMIT_STATES),
                config.get(RnnOptions.SWAP_POLICY),
                config.getOptional(RnnOptions.POLL_INTERVAL).orElse(null),
                config.get(RnnOptions.FORECAST_MAX_HORIZON),
                EnumOptions.get(config, RnnOptions.KERNEL, RnnOptions.KERNEL.key()),
                EnumOptions.get(config, RnnOptions.STATE_PRECISION, RnnOptions.STATE_PRECISION.key()));
    }

    public static RnnSettings defaults(ModelSource model) {
        return from(model, new Configuration());
    }

    public boolean eventTime() {
        return allowedLateness != null;
    }

    public boolean strictOrder() {
        return ordering == RnnOptions.Ordering.STRICT;
    }

    private static void requirePositive(String key, Duration d) {
        if (d != null && (d.isNegative() || d.isZero())) {
            throw new IllegalArgumentException(key + " must be positive, got " + d);
        }
    }

    private static void requireNonNegative(String key, Duration d) {
        if (d != null && d.isNegative()) {
            throw new IllegalArgumentException(key + " must not be negative, got " + d);
        }
    }
}
