package io.flinkrnn.operators;

import static org.apache.flink.configuration.ConfigOptions.key;

import io.flinkrnn.model.LoadLimits;
import java.time.Duration;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.ReadableConfig;

/** Every knob of the inference operator as a Flink {@link ConfigOption}, for config files and flags. */
@PublicEvolving
public final class RnnOptions {

    /** How events become model inputs: {@code stateful}, {@code window} or {@code auto} (the default). */
    public static final ConfigOption<Mode> MODE = key("flink-rnn.mode")
            .enumType(Mode.class)
            .defaultValue(Mode.AUTO)
            .withDescription("stateful, window or auto (docs/SEMANTICS.md section 2): auto reads the model file.");

    /** The window length of window mode; the model's fixed input length unless set. */
    public static final ConfigOption<Integer> WINDOW = key("flink-rnn.window")
            .intType()
            .noDefaultValue()
            .withDescription("Window length N for window mode; defaults to the model's fixed input length.");

    /** Events, across keys, that one batched engine step serves; 256 by default. */
    public static final ConfigOption<Integer> BUNDLE_MAX_EVENTS = key("flink-rnn.bundle.max-events")
            .intType()
            .defaultValue(256)
            .withDescription("Events buffered across keys before one batched engine step serves them.");

    /** Longest processing time an event waits for its bundle to fill; 20 ms by default. */
    public static final ConfigOption<Duration> BUNDLE_MAX_DELAY = key("flink-rnn.bundle.max-delay")
            .durationType()
            .defaultValue(Duration.ofMillis(20))
            .withDescription("Longest time an event waits in a bundle (processing time); 0 waits for the count.");

    /**
     * Which kernel runs the matrix products: {@link Kernel#JAVA} (the default), {@link Kernel#ND4J}
     * (needs {@code flink-rnn-kernel-nd4j} on the job's classpath) or {@link Kernel#AUTO}.
     */
    public static final ConfigOption<Kernel> KERNEL = key("flink-rnn.kernel")
            .enumType(Kernel.class)
            .defaultValue(Kernel.JAVA)
            .withDescription("java, nd4j or auto (README \"Kernels\"): nd4j needs flink-rnn-kernel-nd4j on the "
                    + "classpath; auto times both on the model at the bundle size when a model is loaded and "
                    + "keeps the faster. nd4j, and auto, give up bit-identity with the java kernel "
                    + "(docs/SEMANTICS.md section 10).");

    /**
     * How each key's state values are stored: {@link StatePrecision#FLOAT32} (the default) or rounded
     * to a 16-bit format after every engine step, which halves the state's bytes and moves outputs
     * away from Keras's (README "Reduced-precision state").
     */
    public static final ConfigOption<StatePrecision> STATE_PRECISION = key("flink-rnn.state.precision")
            .enumType(StatePrecision.class)
            .defaultValue(StatePrecision.FLOAT32)
            .withDescription("float32, bfloat16 or float16: the precision each key's state values are stored "
                    + "in; the math stays float32. bfloat16 and float16 round the state after every engine "
                    + "step (to nearest, ties to even) and store 2 bytes per value: outputs are no longer "
                    + "float32's, but still the same bits on every backend and across restores "
                    + "(README \"Reduced-precision state\").");

    /** Idle time after which a key's state is dropped; unset keeps states forever. */
    public static final ConfigOption<Duration> IDLE_TTL = key("flink-rnn.state.idle-ttl")
            .durationType()
            .noDefaultValue()
            .withDescription("Drop the state of a key that saw no event for this long (StateTtlConfig).");

    /** A gap between a key's events, in milliseconds of event timestamps, that starts a fresh sequence. */
    public static final ConfigOption<Duration> SESSION_GAP = key("flink-rnn.session-gap")
            .durationType()
            .noDefaultValue()
            .withDescription("A gap between two events of a key longer than this starts a fresh sequence.");

    /** Lateness behind the watermark an event may have; setting it turns on event-time order. */
    public static final ConfigOption<Duration> ALLOWED_LATENESS = key("flink-rnn.event-time.allowed-lateness")
            .durationType()
            .noDefaultValue()
            .withDescription("Set to order each key's events by event time; later events go to the late output.");

    /** Whether each key's events must come in increasing timestamp order (docs/SEMANTICS.md section 9). */
    public static final ConfigOption<Ordering> ORDERING = key("flink-rnn.ordering")
            .enumType(Ordering.class)
            .defaultValue(Ordering.STRICT)
            .withDescription("strict: an event whose ts is not after its key's last served ts (a resend, a "
                    + "reordering) is rejected and changes no state; accept: serve it anyway, for streams "
                    + "whose ts carries no order (docs/SEMANTICS.md section 9).");

    /** Whether predictions carry the key's recurrent states ({@code return_state}); off by default. */
    public static final ConfigOption<Boolean> EMIT_STATES = key("flink-rnn.emit-states")
            .booleanType()
            .defaultValue(false)
            .withDescription("Emit each key's recurrent states beside its outputs (return_state).");

    /** What keys' states do when a new model version takes over; {@link SwapPolicy#KEEP} by default. */
    public static final ConfigOption<SwapPolicy> SWAP_POLICY = key("flink-rnn.model.swap-policy")
            .enumType(SwapPolicy.class)
            .defaultValue(SwapPolicy.KEEP)
            .withDescription("What keys' states do when a new model version takes over.");

    /** How often to look for a newer version in the model store; unset swaps only on a control. */
    public static final ConfigOption<Duration> POLL_INTERVAL = key("flink-rnn.model.poll-interval")
            .durationType()
            .noDefaultValue()
            .withDescription("Check the model store this often and switch to a newer version when one appears.");

    /** The most steps a forecast control may ask for; 1000 by default. */
    public static final ConfigOption<Integer> FORECAST_MAX_HORIZON = key("flink-rnn.forecast.max-horizon")
            .intType()
            .defaultValue(1000)
            .withDescription("Most steps a forecast control may ask for; a longer, zero or negative horizon is "
                    + "rejected with a reason. Each step is one engine step on the operator's thread.");

    /** Loader limit: the largest model file, archive or weights entry (README "Security"). */
    public static final ConfigOption<MemorySize> MAX_FILE_SIZE = key("flink-rnn.model.limits.max-file-size")
            .memoryType()
            .defaultValue(MemorySize.ofMebiBytes(LoadLimits.DEFAULTS.maxFileBytes() >> 20))
            .withDescription("Largest .h5, weights file or .keras archive (and its weights entry) the loader reads.");

    /** Loader limit: the largest JSON model config. */
    public static final ConfigOption<MemorySize> MAX_CONFIG_SIZE = key("flink-rnn.model.limits.max-config-size")
            .memoryType()
            .defaultValue(MemorySize.ofMebiBytes(LoadLimits.DEFAULTS.maxConfigBytes() >> 20))
            .withDescription("Largest JSON model config (a .json file, config.json, an .h5's model_config).");

    /** Loader limit: the deepest nesting in a model config. */
    public static final ConfigOption<Integer> MAX_JSON_DEPTH = key("flink-rnn.model.limits.max-json-depth")
            .intType()
            .defaultValue(LoadLimits.DEFAULTS.maxJsonDepth())
            .withDescription("Deepest nesting of JSON arrays and objects in a model config.");

    /** Loader limit: the most layers a model may list. */
    public static final ConfigOption<Integer> MAX_LAYERS = key("flink-rnn.model.limits.max-layers")
            .intType()
            .defaultValue(LoadLimits.DEFAULTS.maxLayers())
            .withDescription("Most layers a model may list.");

    /** Loader limit: the most values in one weight or one sample of a layer's output. */
    public static final ConfigOption<Long> MAX_TENSOR_ELEMENTS = key("flink-rnn.model.limits.max-tensor-elements")
            .longType()
            .defaultValue(LoadLimits.DEFAULTS.maxTensorElements())
            .withDescription("Most values in one weight, and in one sample of the input or of a layer's output.");

    /**
     * The loader's limits these options set ({@link LoadLimits#DEFAULTS} where none is set).
     *
     * @param config the job's or the builder's configuration
     * @return the limits a {@link ModelSource} carries
     * @throws IllegalArgumentException naming the option whose value is out of range
     */
    public static LoadLimits loadLimits(ReadableConfig config) {
        try {
            return new LoadLimits(
                    config.get(MAX_FILE_SIZE).getBytes(),
                    config.get(MAX_CONFIG_SIZE).getBytes(),
                    config.get(MAX_JSON_DEPTH),
                    config.get(MAX_LAYERS),
                    config.get(MAX_TENSOR_ELEMENTS));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("flink-rnn.model.limits: " + e.getMessage(), e);
        }
    }

    /** How events become model inputs (docs/SEMANTICS.md section 2); values are case-insensitive. */
    public enum Mode {
        /** Reads the model file: stateful for {@code stateful=True} or a free length, else window. */
        AUTO,
        /** Each key's states carry from event to event. */
        STATEFUL,
        /** Each event reruns the model from zero state over the key's last N events. */
        WINDOW
    }

    /** Which kernel runs the engine's matrix products (README "Kernels"). */
    public enum Kernel {
        /**
         * Times both kernels on the model's shapes at the bundle size when a model is loaded and keeps
         * the faster; {@link #JAVA} without timing when ND4J is not on the classpath.
         */
        AUTO,
        /** The engine's own kernel: outputs are the same bits on every TaskManager and every run. */
        JAVA,
        /** ND4J's SGEMM from {@code flink-rnn-kernel-nd4j}: within Keras's tolerance, not bit-identical. */
        ND4J
    }

    /** The precision each key's state values are stored in; the engine computes in float32 either way. */
    public enum StatePrecision {
        /** 4 bytes per value: outputs equal Keras's to 1e-5 (docs/SEMANTICS.md section 6). */
        FLOAT32,
        /** 2 bytes: float32's range with 8 significant bits, each rounding off by at most 2^-8 relative. */
        BFLOAT16,
        /**
         * 2 bytes (IEEE binary16): 11 significant bits (at most 2^-11 relative off), but infinite beyond
         * 65504 and subnormal below 2^-14.
         */
        FLOAT16
    }

    /** What happens to keys' states when a new model version takes over. */
    public enum SwapPolicy {
        /** Keep every key's states; a version whose states have other shapes is refused. */
        KEEP,
        /** Every key starts from zero state on the new version. */
        RESET,
        /** Keep states; a version whose states have other shapes stops the job, without restarts. */
        FAIL
    }

    /** Whether a key's events must come with increasing timestamps. */
    public enum Ordering {
        /** An event whose ts is not after its key's last served ts is rejected and changes no state. */
        STRICT,
        /** Every event is served in arrival order, whatever its ts. */
        ACCEPT
    }

    private RnnOptions() {}
}
