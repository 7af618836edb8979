package io.flinkrnn.operators;

import static io.flinkrnn.operators.KerasOutputs.assertMatches;
import static io.flinkrnn.operators.KerasOutputs.events;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.operators.internal.RnnSettings;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/**
 * A forecast control is input like an event: a horizon of zero, a negative one or one above {@code
 * flink-rnn.forecast.max-horizon} is a reject with a reason, never a job failure, and changes no
 * state — the keys' outputs stay Keras's.
 */
class ForecastHorizonTest {

    private static final Fixture FORECAST = Fixture.named("keras3_forecast");

    @Test
    void badHorizonsAreRejectedWithTheirReason() throws Exception {
        Configuration config = new Configuration();
        config.set(RnnOptions.BUNDLE_MAX_DELAY, Duration.ZERO);
        config.set(RnnOptions.FORECAST_MAX_HORIZON, 5);
        RnnSettings settings =
                RnnSettings.from(ModelSource.of(FORECAST.file("keras").orElseThrow()), config);
        List<RnnEvent> events = events(FORECAST.eventRows());
        String key = events.get(0).key();
        try (RnnInferenceOperatorTest.Harness h = new RnnInferenceOperatorTest.Harness(settings)) {
            h.open();
            for (int i = 0; i < events.size(); i++) {
                h.processElement1(events.get(i), events.get(i).timestamp());
                if (i == events.size() / 2) {
                    for (int horizon : new int[] {0, -3, Integer.MIN_VALUE, 6, Integer.MAX_VALUE, 5}) {
                        h.processElement2(Control.forecast(key, horizon), 0);
                    }
                }
            }
            h.finish();
            assertThat(h.side(RnnSideOutputs.REJECTS))
                    .extracting(Rejected::key, Rejected::reason)
                    .containsExactly(
                            reject(key, 0, "the horizon must be at least 1"),
                            reject(key, -3, "the horizon must be at least 1"),
                            reject(key, Integer.MIN_VALUE, "the horizon must be at least 1"),
                            reject(key, 6, "the horizon is above flink-rnn.forecast.max-horizon (5)"),
                            reject(key, Integer.MAX_VALUE, "the horizon is above flink-rnn.forecast.max-horizon (5)"));
            assertThat(h.side(RnnSideOutputs.FORECASTS))
                    .extracting(Forecast::key, Forecast::horizon)
                    .containsExactly(tuple(key, 5));
            assertMatches(h.predictions(), FORECAST.expectedRows());
        }
    }

    @Test
    void theLimitMustBePositive() {
        Configuration config = new Configuration();
        config.set(RnnOptions.FORECAST_MAX_HORIZON, 0);
        ModelSource model = ModelSource.of(FORECAST.file("keras").orElseThrow());
        assertThatThrownBy(() -> RnnSettings.from(model, config))
                .hasMessage("flink-rnn.forecast.max-horizon must be at least 1, got 0");
    }

    private static Tuple reject(String key, int horizon, String why) {
        return tuple(key, "forecast of " + horizon + " steps: " + why);
    }
}
