package io.flinkrnn.operators;

import io.flinkrnn.operators.internal.RnnInferenceOperator;
import io.flinkrnn.operators.internal.RnnSettings;
import io.flinkrnn.operators.internal.model.EngineModes;
import io.flinkrnn.operators.internal.model.ModelLoader;
import java.time.Duration;
import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;
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
 * from a Flink configuration; calls after it override single settings. Each key of the stream is one
 * batch row of a Keras stateful RNN: its recurrent states live in Flink keyed state, so they survive
 * checkpoints, savepoints and rescaling (docs/SEMANTICS.md section 1).
 *
 * <p>A minimal job (the whole program is examples/quickstart in the repository):
 *
 * <pre>{@code
 * StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
 * DataStream<RnnEvent> events = env.fromData(
 *         new RnnEvent("sensor-1", 0, new float[] {0.1f, 0.2f, 0.3f, 0.4f}),
 *         new RnnEvent("sensor-2", 0, new float[] {0.5f, 0.6f, 0.7f, 0.8f}));
 * RnnInference.forModel(ModelSource.of(Path.of("model.keras")))
 *         .apply(events.keyBy(RnnEvent::key))
 *         .predictions()
 *         .print();
 * env.execute("rnn");
 * }</pre>
 */
@PublicEvolving
public final class RnnInference {

    private final ModelSource model;
    private final Configuration config = new Configuration();
    private DataStream<Control> controls;
    private String name = "flink-rnn";
    private String uid;

    private RnnInference(ModelSource model) {
        this.model = model;
    }

    /**
     * Starts a builder for the model at {@code model}.
     *
     * @param model where the TaskManagers read the Keras model from
     * @return a builder with every setting at its {@link RnnOptions} default
     * @throws IllegalArgumentException when {@code model} is {@code null}
     */
    public static RnnInference forModel(ModelSource model) {
        if (model == null) {
            throw new IllegalArgumentException("forModel needs a model source");
        }
        return new RnnInference(model);
    }

    /**
     * Takes every {@link RnnOptions} key set in {@code options}, e.g. from the job's configuration.
     *
     * @param options a Flink configuration; keys that are not {@code flink-rnn.*} options are ignored
     * @return this builder
     */
    public RnnInference configure(ReadableConfig options) {
        config.addAll(Configuration.fromMap(options.toMap()));
        return this;
    }

    /**
     * How events become model inputs (docs/SEMANTICS.md section 2), {@link RnnOptions#MODE}.
     *
     * @param mode {@code stateful}, {@code window} or {@code auto}, which reads the model file, in any case
     * @return this builder
     * @throws IllegalArgumentException for another name
     */
    public RnnInference mode(String mode) {
        return mode(EngineModes.mode(mode));
    }

    /**
     * How events become model inputs (docs/SEMANTICS.md section 2), {@link RnnOptions#MODE}.
     *
     * @param mode the mode
     * @return this builder
     */
    public RnnInference mode(RnnOptions.Mode mode) {
        config.set(RnnOptions.MODE, mode);
        return this;
    }

    /**
     * The window length of window mode, {@link RnnOptions#WINDOW}.
     *
     * @param n the number of a key's latest events each prediction reads
     * @return this builder
     */
    public RnnInference window(int n) {
        config.set(RnnOptions.WINDOW, n);
        return this;
    }

    /**
     * How many events, across keys, one batched engine step serves ({@link RnnOptions#BUNDLE_MAX_EVENTS},
     * {@link RnnOptions#BUNDLE_MAX_DELAY}).
     *
     * @param maxEvents events buffered before a step runs
     * @param maxDelay longest time an event waits for the count, in processing time; zero waits for it
     * @return this builder
     */
    public RnnInference bundle(int maxEvents, Duration maxDelay) {
        config.set(RnnOptions.BUNDLE_MAX_EVENTS, maxEvents);
        config.set(RnnOptions.BUNDLE_MAX_DELAY, maxDelay);
        return this;
    }

    /**
     * Drops the state of a key that saw no event for {@code ttl}, {@link RnnOptions#IDLE_TTL}.
     *
     * @param ttl how long a key may stay idle before its next event starts from zero state
     * @return this builder
     */
    public RnnInference idleTtl(Duration ttl) {
        config.set(RnnOptions.IDLE_TTL, ttl);
        return this;
    }

    /**
     * Starts a fresh sequence for a key whose events are further apart than {@code gap}, {@link
     * RnnOptions#SESSION_GAP}.
     *
     * @param gap the longest gap within one sequence, against {@link RnnEvent#timestamp()} read as
     *     milliseconds
     * @return this builder
     */
    public RnnInference sessionGap(Duration gap) {
        config.set(RnnOptions.SESSION_GAP, gap);
        return this;
    }

    /**
     * Orders each key's events by event time, {@link RnnOptions#ALLOWED_LATENESS}.
     *
     * @param allowedLateness how far behind the watermark an event may be; later ones go to {@link
     *     Result#late()}
     * @return this builder
     */
    public RnnInference eventTime(Duration allowedLateness) {
        config.set(RnnOptions.ALLOWED_LATENESS, allowedLateness);
        return this;
    }

    /**
     * Which kernel runs the matrix products, {@link RnnOptions#KERNEL} (README "Kernels").
     *
     * @param kernel {@code JAVA} (the default and bit-identical everywhere), {@code ND4J} (needs
     *     {@code flink-rnn-kernel-nd4j} on the classpath) or {@code AUTO} (the faster of the two on the model)
     * @return this builder
     */
    public RnnInference kernel(RnnOptions.Kernel kernel) {
        config.set(RnnOptions.KERNEL, kernel);
        return this;
    }

    /**
     * The precision each key's state values are stored in, {@link RnnOptions#STATE_PRECISION} (README
     * "Reduced-precision state").
     *
     * @param precision {@code FLOAT32} (the default), or {@code BFLOAT16} or {@code FLOAT16}: half the
     *     state's bytes, the state rounded after every engine step
     * @return this builder
     */
    public RnnInference statePrecision(RnnOptions.StatePrecision precision) {
        config.set(RnnOptions.STATE_PRECISION, precision);
        return this;
    }

    /**
     * Puts each key's recurrent states after the event into its {@link Prediction#states()} (Keras
     * {@code return_state}), {@link RnnOptions#EMIT_STATES}.
     *
     * @param emit whether predictions carry states
     * @return this builder
     */
    public RnnInference emitStates(boolean emit) {
        config.set(RnnOptions.EMIT_STATES, emit);
        return this;
    }

    /**
     * How keys' states cross a model swap, and how often to look for a newer version in the store.
     *
     * @param policy what keys' states do when a new version takes over, {@link RnnOptions#SWAP_POLICY}
     * @param pollInterval how often to check the store, {@link RnnOptions#POLL_INTERVAL}; {@code null}
     *     swaps only on {@link Control#swapModel(String)}
     * @return this builder
     */
    public RnnInference modelUpdates(RnnOptions.SwapPolicy policy, Duration pollInterval) {
        config.set(RnnOptions.SWAP_POLICY, policy);
        if (pollInterval != null) {
            config.set(RnnOptions.POLL_INTERVAL, pollInterval);
        }
        return this;
    }

    /**
     * Control events: resets, forecasts and model swaps.
     *
     * @param controlStream the controls, broadcast to every subtask; the one that owns a control's key
     *     acts on it
     * @return this builder
     */
    public RnnInference controls(DataStream<Control> controlStream) {
        this.controls = controlStream;
        return this;
    }

    /**
     * The operator's name in the job graph, the web UI and metrics.
     *
     * @param operatorName the name; {@code flink-rnn} unless set
     * @return this builder
     */
    public RnnInference name(String operatorName) {
        this.name = operatorName;
        return this;
    }

    /**
     * The settings {@link #apply(KeyedStream)} would use, checked without the model; for flink-rnn's
     * own tools (replay, state bootstrap), which run the same settings outside a job.
     *
     * @return the model source and every option, resolved
     * @throws IllegalArgumentException naming the option whose value is invalid
     */
    @Internal
    public RnnSettings settings() {
        return RnnSettings.of(model, config);
    }

    /**
     * The operator's uid, which savepoints key its state by: set it to restore a savepoint into a
     * changed job graph ({@code flink-rnn state} tools name it with {@code --uid}).
     *
     * @param operatorUid the uid; unless set, Flink derives one from the job graph
     * @return this builder
     */
    public RnnInference uid(String operatorUid) {
        this.uid = operatorUid;
        return this;
    }

    /**
     * Adds the inference operator to the job of {@code events}. The model is read here, on the
     * client, and compiled in the mode asked for, so that an option the model cannot serve (a mode
     * name, a window without window mode, window mode on a model of free length, stateful mode on a
     * non-causal layer, a loader limit) fails the job's build in one line rather than on every
     * TaskManager, as {@code KafkaSourceBuilder.build()} checks its settings. A store version that
     * cannot be fetched is left to the TaskManagers: restored from a savepoint, the job resumes the
     * version it served and refuses that one as a swap.
     *
     * @param events the events, keyed by {@link RnnEvent#key()}; each key is one batch row
     * @return the predictions and the side outputs
     * @throws IllegalArgumentException naming the option whose value is invalid, or the model file's problem
     */
    public Result apply(KeyedStream<RnnEvent, String> events) {
        RnnSettings settings = settings();
        ModelLoader.check(settings);
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
        if (uid != null) {
            transform.setUid(uid);
        }
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

    /**
     * The predictions and the side outputs of one inference step.
     *
     * @param predictions one {@link Prediction} per accepted event, in each key's order
     */
    public record Result(SingleOutputStreamOperator<Prediction> predictions) {

        /**
         * Events that changed no state, each with the reason.
         *
         * @return the {@link RnnSideOutputs#REJECTS} side output
         */
        public DataStream<Rejected> rejects() {
            return predictions.getSideOutput(RnnSideOutputs.REJECTS);
        }

        /**
         * Events that arrived too late for {@link #eventTime(Duration)}; empty without event time.
         *
         * @return the {@link RnnSideOutputs#LATE} side output
         */
        public DataStream<RnnEvent> late() {
            return predictions.getSideOutput(RnnSideOutputs.LATE);
        }

        /**
         * Answers to {@link Control#forecast(String, int)} controls.
         *
         * @return the {@link RnnSideOutputs#FORECASTS} side output
         */
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
