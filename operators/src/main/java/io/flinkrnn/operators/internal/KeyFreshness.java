package io.flinkrnn.operators.internal;

import io.flinkrnn.operators.OperatorFacts;
import io.flinkrnn.operators.internal.model.ModelSwitch;
import io.flinkrnn.operators.state.KeyState;
import io.flinkrnn.operators.state.KeyStateSerializer;
import java.time.Duration;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;

/**
 * Whether a key's stored state still holds for its next event or the key starts fresh: after a
 * reset-all or a model change that could not carry the states (the key's epoch is older than the
 * operator's), after a session gap, or when it holds state of another model restored from a
 * checkpoint that did not record which model wrote it. Idle TTL is Flink's own {@link StateTtlConfig}
 * on the state's descriptor: an expired state reads as none.
 *
 * <p>The epochs are operator facts, the same on every subtask since resets and swaps are broadcast,
 * so a key costs no bytes for them beyond the epoch its state carries.
 */
@Internal
public final class KeyFreshness {

    private final Duration sessionGap;
    private final Duration idleTtl;
    private final KeyStateSerializer serializer;
    private final ModelSwitch models;
    private final Counter modelStateResets;
    private int epoch;
    /** Keys of an older epoch were written by a model whose states the serving one cannot carry. */
    private int modelEpoch;

    /**
     * @param restored the facts of the restored checkpoint (empty on a fresh start)
     * @param modelStateResets counts keys whose state a model change discarded
     */
    public KeyFreshness(RnnSettings settings, ModelSwitch models, OperatorFacts restored, Counter modelStateResets) {
        this.sessionGap = settings.sessionGap();
        this.idleTtl = settings.idleTtl();
        this.serializer = KeyStateSerializer.of(settings.statePrecision());
        this.models = models;
        this.modelStateResets = modelStateResets;
        this.epoch = restored.epoch();
        this.modelEpoch = restored.modelEpoch();
    }

    /** The keyed state of each key's {@link KeyState}, with the idle TTL when one is set. */
    public ValueStateDescriptor<KeyState> stateDescriptor(String name) {
        ValueStateDescriptor<KeyState> descriptor = new ValueStateDescriptor<>(name, serializer);
        if (idleTtl != null) {
            descriptor.enableTimeToLive(StateTtlConfig.newBuilder(idleTtl)
                    .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                    .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                    .build());
        }
        return descriptor;
    }

    /** Keras {@code reset_states()}: every key starts fresh when next seen. */
    public void resetAll() {
        epoch++;
    }

    /** A model change that cannot carry the keys' states: each key starts fresh when next seen. */
    public void startEveryKeyFresh() {
        epoch++;
        modelEpoch = epoch;
    }

    public int epoch() {
        return epoch;
    }

    public int modelEpoch() {
        return modelEpoch;
    }

    /**
     * The key's state as its next event, at {@code nextTimestamp}, must see it; a key whose state a
     * model change discarded counts in {@code modelStateResets}.
     */
    public KeyState live(KeyState stored, long nextTimestamp) {
        KeyState state = current(stored, nextTimestamp);
        if (state != stored
                && stored != null
                && (stored.epoch < modelEpoch || !models.layout().fits(stored.values))) {
            modelStateResets.inc();
        }
        return state;
    }

    /**
     * {@link #live} without counting, for a forecast, which reads a key's state and never writes it
     * back; {@code Long.MIN_VALUE} as the timestamp measures no session gap.
     */
    public KeyState current(KeyState stored, long nextTimestamp) {
        boolean gap = stored != null
                && sessionGap != null
                && nextTimestamp != Long.MIN_VALUE
                && nextTimestamp - stored.lastTimestamp > sessionGap.toMillis();
        boolean foreign = stored != null
                && stored.epoch == epoch
                && !models.layout().fits(stored.values)
                && models.resetsForeignState(stored.values.length);
        if (stored == null || stored.epoch != epoch || gap || foreign) {
            return new KeyState(models.model().newState(), Long.MIN_VALUE, epoch);
        }
        return stored;
    }
}
