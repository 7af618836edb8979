package io.flinkrnn.operators;

import java.time.Duration;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.transformations.TwoInputTransformation;
import org.apache.flink.util.Collector;

/**
 * Builds the keyed inference step of a DataStream job, in the shape of Flink's connector builders:
 *
 * <pre>{@code
 * RnnInference.Result result = RnnInference.forModel(ModelSource.of(Path.of("model.h5")))
 *         .mode("stateful")
 *         .bundle(256, Duration.ofMillis(20))
 *         .idleTtl(Duration.ofDays(1))
 *         .controls(controlStream)
 *         .apply(events.keyBy(RnnEvent::key));
 * result.predictions().sinkTo(...);
 * result.rejects().sinkTo(...);
 * }</pre>
 *
 * Every setting is also a {@link RnnOptions} key, so {@link #configure(ReadableConfig)} takes them
 * from a Flink configuration; calls after it override single settings.
 */
public final class RnnInference {

    private final ModelSource model;
    private final Configuration config = new Configuration();
    private DataStream<Control> controls;
    private String name = "flink-rnn";

    private RnnInference(ModelSource model) {
        this.model = model;
    }

    public static RnnInference forModel(ModelSource model) {
        if (model == null) {
            throw new IllegalArgumentException("forModel needs a model source");
        }
        return new RnnInference(model);
    }

    public RnnInference configure(ReadableConfig options) {
        config.addAll(Configuration.fromMap(options.toMap()));
        return this;
    }

    /** {@code stateful}, {@code window} or {@code auto} (docs/SEMANTICS.md section 2). */
    public RnnInference mode(String mode) {
        config.set(RnnOptions.MODE, mode);
        return this;
    }

    public RnnInference window(int n) {
        config.set(RnnOptions.WINDOW, n);
        return this;
    }

    public RnnInference bundle(int maxEvents, Duration maxDelay) {
        config.set(RnnOptions.BUNDLE_MAX_EVENTS, maxEvents);
        config.set(RnnOptions.BUNDLE_MAX_DELAY, maxDelay);
        return this;
    }

    public RnnInference idleTtl(Duration ttl) {
        config.set(RnnOptions.IDLE_TTL, ttl);
        return this;
    }

    public RnnInference sessionGap(Duration gap) {
        config.set(RnnOptions.SESSION_GAP, gap);
        return this;
    }

    /** Order each key's events by event time, sending events later than this to {@link Result#late()}. */
    public RnnInference eventTime(Duration allowedLateness) {
        config.set(RnnOptions.ALLOWED_LATENESS, allowedLateness);
        return this;
    }

    public RnnInference emitStates(boolean emit) {
        config.set(RnnOptions.EMIT_STATES, emit);
        return this;
    }

    /** How keys' states cross a model swap, and how often to look for a newer version in the store. */
    public RnnInference modelUpdates(RnnOptions.SwapPolicy policy, Duration pollInterval) {
        config.set(RnnOptions.SWAP_POLICY, policy);
        if (pollInterval != null) {
            config.set(RnnOptions.POLL_INTERVAL, pollInterval);
        }
        return this;
    }

    /** Control events (resets, forecasts); they are broadcast to every subtask. */
    public RnnInference controls(DataStream<Control> controlStream) {
        this.controls = controlStream;
        return this;
    }

    public RnnInference name(String operatorName) {
        this.name = operatorName;
        return this;
    }

    public RnnSettings settings() {
        return RnnSettings.from(model.withLimits(RnnOptions.loadLimits(config)), config);
    }

    public Result apply(KeyedStream<RnnEvent, String> events) {
        RnnSettings settings = settings();
        DataStream<Control> control = controls != null ? controls : noControls(events);
        DataStream<Control> broadcast = control.broadcast();
        TwoInputTransformation<RnnEvent, Control, Prediction> transform = new TwoInputTransformation<>(
                events.getTransformation(),
                broadcast.getTransformation(),
                name,
                new RnnInferenceOperator(settings),
                TypeInformation.of(Prediction.class),
                events.getExecutionEnvironment().getParallelism(),
                false);
        transform.setStateKeySelectors(events.getKeySelector(), null);
        transform.setStateKeyType(events.getKeyType());
        events.getExecutionEnvironment().addOperator(transform);
        return new Result(new PredictionStream(events, transform));
    }

    /** An empty control stream, so that a job without controls runs the same two-input operator. */
    private static DataStream<Control> noControls(KeyedStream<RnnEvent, String> events) {
        return events.getExecutionEnvironment()
                .fromSequence(0, 0)
                .setParallelism(1)
                .flatMap((Long ignored, Collector<Control> out) -> {})
                .returns(Control.class)
                .name("no-controls")
                .setParallelism(1);
    }

    /** The predictions and the side outputs of one inference step. */
    public record Result(SingleOutputStreamOperator<Prediction> predictions) {

        public DataStream<Rejected> rejects() {
            return predictions.getSideOutput(RnnSideOutputs.REJECTS);
        }

        public DataStream<RnnEvent> late() {
            return predictions.getSideOutput(RnnSideOutputs.LATE);
        }

        public DataStream<Forecast> forecasts() {
            return predictions.getSideOutput(RnnSideOutputs.FORECASTS);
        }
    }

    /** Flink's constructor for an operator's stream is protected; this exposes it for our transform. */
    private static final class PredictionStream extends SingleOutputStreamOperator<Prediction> {
        PredictionStream(KeyedStream<RnnEvent, String> events, TwoInputTransformation<?, ?, Prediction> t) {
            super(events.getExecutionEnvironment(), t);
        }
    }
}
