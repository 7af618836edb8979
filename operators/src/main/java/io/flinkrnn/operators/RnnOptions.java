package io.flinkrnn.operators;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;

/** Every knob of the inference operator as a Flink {@link ConfigOption}, for config files and flags. */
public final class RnnOptions {

    public static final ConfigOption<String> MODE = key("flink-rnn.mode")
            .stringType()
            .defaultValue("auto")
            .withDescription("stateful, window or auto (docs/SEMANTICS.md section 2): auto reads the model file.");

    public static final ConfigOption<Integer> WINDOW = key("flink-rnn.window")
            .intType()
            .noDefaultValue()
            .withDescription("Window length N for window mode; defaults to the model's fixed input length.");

    public static final ConfigOption<Integer> BUNDLE_MAX_EVENTS = key("flink-rnn.bundle.max-events")
            .intType()
            .defaultValue(256)
            .withDescription("Events buffered across keys before one batched engine step serves them.");

    public static final ConfigOption<Duration> BUNDLE_MAX_DELAY = key("flink-rnn.bundle.max-delay")
            .durationType()
            .defaultValue(Duration.ofMillis(20))
            .withDescription("Longest time an event waits in a bundle (processing time); 0 waits for the count.");

    public static final ConfigOption<Duration> IDLE_TTL = key("flink-rnn.state.idle-ttl")
            .durationType()
            .noDefaultValue()
            .withDescription("Drop the state of a key that saw no event for this long (StateTtlConfig).");

    public static final ConfigOption<Duration> SESSION_GAP = key("flink-rnn.session-gap")
            .durationType()
            .noDefaultValue()
            .withDescription("A gap between two events of a key longer than this starts a fresh sequence.");

    public static final ConfigOption<Duration> ALLOWED_LATENESS = key("flink-rnn.event-time.allowed-lateness")
            .durationType()
            .noDefaultValue()
            .withDescription("Set to order each key's events by event time; later events go to the late output.");

    public static final ConfigOption<Ordering> ORDERING = key("flink-rnn.ordering")
            .enumType(Ordering.class)
            .defaultValue(Ordering.STRICT)
            .withDescription("strict: an event whose ts is not after its key's last served ts (a resend, a "
                    + "reordering) is rejected and changes no state; accept: serve it anyway, for streams "
                    + "whose ts carries no order (docs/SEMANTICS.md section 9).");

    public static final ConfigOption<Boolean> EMIT_STATES = key("flink-rnn.emit-states")
            .booleanType()
            .defaultValue(false)
            .withDescription("Emit each key's recurrent states beside its outputs (return_state).");

    public static final ConfigOption<SwapPolicy> SWAP_POLICY = key("flink-rnn.model.swap-policy")
            .enumType(SwapPolicy.class)
            .defaultValue(SwapPolicy.KEEP)
            .withDescription("What keys' states do when a new model version takes over.");

    public static final ConfigOption<Duration> POLL_INTERVAL = key("flink-rnn.model.poll-interval")
            .durationType()
            .noDefaultValue()
            .withDescription("Check the model store this often and switch to a newer version when one appears.");

    public static final ConfigOption<Integer> FORECAST_MAX_HORIZON = key("flink-rnn.forecast.max-horizon")
            .intType()
            .defaultValue(1000)
            .withDescription("Most steps a forecast control may ask for; a longer, zero or negative horizon is "
                    + "rejected with a reason. Each step is one engine step on the operator's thread.");

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
