package io.flinkrnn.operators.internal;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.operators.Forecast;
import io.flinkrnn.operators.Rejected;
import io.flinkrnn.operators.RnnOptions;
import io.flinkrnn.operators.state.KeyState;
import org.apache.flink.annotation.Internal;

/**
 * Answers a forecast control: {@code horizon} steps from the key's state, each output fed back as
 * the next input, on a copy of the state. A control is input too, so a horizon or a model that cannot
 * forecast is answered with a {@link Rejected} and its reason, never a failure of the job.
 */
@Internal
public final class Forecaster {

    /** A forecast, or why there is none; exactly one is set. */
    public record Answer(Forecast forecast, Rejected rejected) {}

    private final int maxHorizon;

    public Forecaster(int maxHorizon) {
        this.maxHorizon = maxHorizon;
    }

    /** @param state the key's state as the next event would see it; not changed */
    public Answer forecast(String key, int horizon, KeyState state, InferenceModel model, String version) {
        String problem = horizonProblem(horizon);
        if (problem == null) {
            try {
                float[][] steps = model.forecast(state.values, horizon);
                float[] flat = new float[steps.length * model.outputSize()];
                for (int k = 0; k < steps.length; k++) {
                    System.arraycopy(steps[k], 0, flat, k * model.outputSize(), model.outputSize());
                }
                return new Answer(new Forecast(key, state.lastTimestamp, horizon, flat, version), null);
            } catch (IllegalArgumentException | IllegalStateException e) {
                problem = e.getMessage();
            }
        }
        return new Answer(
                null, new Rejected(key, state.lastTimestamp, "forecast of " + horizon + " steps: " + problem));
    }

    private String horizonProblem(int horizon) {
        if (horizon < 1) {
            return "the horizon must be at least 1";
        }
        if (horizon > maxHorizon) {
            return "the horizon is above " + RnnOptions.FORECAST_MAX_HORIZON.key() + " (" + maxHorizon + ")";
        }
        return null;
    }
}
