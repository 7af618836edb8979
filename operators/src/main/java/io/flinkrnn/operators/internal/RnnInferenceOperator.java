package io.flinkrnn.operators.internal;

import io.flinkrnn.operators.Control;
import io.flinkrnn.operators.OperatorFacts;
import io.flinkrnn.operators.Prediction;
import io.flinkrnn.operators.Rejected;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.RnnOptions.StatePrecision;
import io.flinkrnn.operators.RnnSideOutputs;
import io.flinkrnn.operators.internal.bundle.BundleTrigger;
import io.flinkrnn.operators.internal.bundle.CountOrDelayBundleTrigger;
import io.flinkrnn.operators.internal.bundle.EventBundle;
import io.flinkrnn.operators.internal.bundle.InferenceBundleFunction;
import io.flinkrnn.operators.internal.model.ModelSwitch;
import io.flinkrnn.operators.state.HalfFloats;
import io.flinkrnn.operators.state.KeyState;
import io.flinkrnn.operators.state.KeyStateSerializer;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * The keyed inference operator, a lifecycle shell in the shape of Flink table-runtime's {@code
 * AbstractMapBundleOperator}. Input 1 carries events keyed by their key; input 2 carries control
 * events broadcast to every subtask. The work is in small classes: {@link CountOrDelayBundleTrigger}
 * says when a bundle ends, {@link InferenceBundleFunction} serves it (each key's state read once,
 * one batched engine step per round, written once), {@link EventTimeBuffer} holds events for the
 * watermark, {@link KeyFreshness} decides when a key starts fresh, {@link Forecaster} answers
 * forecasts and {@link ModelSwitch} swaps models between bundles.
 *
 * <p>Bundles never outlive a checkpoint barrier, a watermark, a control event or the end of input:
 * each of them finishes the bundle first, so no checkpoint holds half a bundle and exactly-once
 * needs nothing beyond keyed state.
 */
@Internal
public class RnnInferenceOperator extends AbstractStreamOperator<Prediction>
        implements TwoInputStreamOperator<RnnEvent, Control, Prediction>,
                Triggerable<String, VoidNamespace>,
                InferenceBundleFunction.KeyStates {

    private static final long serialVersionUID = 1L;

    /** The keyed state holding each key's {@link KeyState}: a RocksDB column family of this name. */
    public static final String STATE_NAME = "flink-rnn-state";

    /** The union operator state holding the {@link OperatorFacts}. */
    public static final String FACTS_NAME = "flink-rnn-facts";

    /** The keyed map state of events waiting for the watermark (event-time mode). */
    public static final String EVENT_TIME_BUFFER_NAME = EventTimeBuffer.STATE_NAME;

    /** The keyed timer service: an event-time timer at each timestamp a key has events buffered at. */
    public static final String TIMERS_NAME = "flink-rnn-timers";

    private final RnnSettings settings;

    private transient ListState<OperatorFacts> factsState;
    private transient OperatorFacts restored;

    private transient ModelSwitch models;
    private transient KeyFreshness freshness;
    private transient ValueState<KeyState> keyState;
    private transient EventTimeBuffer eventTimeBuffer;
    private transient Forecaster forecaster;
    private transient EventBundle bundle;
    private transient BundleTrigger trigger;
    private transient InferenceBundleFunction bundleFunction;
    private transient RnnMetrics metrics;

    public RnnInferenceOperator(RnnSettings settings) {
        this.settings = settings;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        // Resets and swaps are broadcast, so every subtask holds the same facts; after rescaling take the newest.
        factsState = context.getOperatorStateStore()
                .getUnionListState(new ListStateDescriptor<>(FACTS_NAME, TypeInformation.of(OperatorFacts.class)));
        restored = OperatorFacts.newest(factsState.get());
    }

    @Override
    public void open() throws Exception {
        super.open();
        models = new ModelSwitch(settings, restored.version(), restored.generation(), getOperatorName());
        bundle = new EventBundle();
        metrics = new RnnMetrics(getMetricGroup(), bundle, KeyStateSerializer.of(settings.statePrecision()));
        freshness = new KeyFreshness(settings, models, restored, metrics.modelStateResets);
        if (models.resume(restored.version(), restored.layout()) == ModelSwitch.Outcome.SWITCHED_RESETTING_STATES) {
            freshness.startEveryKeyFresh();
        }
        keyState = getRuntimeContext().getState(freshness.stateDescriptor(STATE_NAME));
        InternalTimerService<VoidNamespace> timers =
                getInternalTimerService(TIMERS_NAME, VoidNamespaceSerializer.INSTANCE, this);
        if (settings.eventTime()) {
            eventTimeBuffer = new EventTimeBuffer(getRuntimeContext(), timers, settings.allowedLateness());
        }
        forecaster = new Forecaster(settings.forecastMaxHorizon());
        trigger = new CountOrDelayBundleTrigger(
                settings.bundleMaxEvents(), settings.bundleMaxDelay(), getProcessingTimeService(), models::loading);
        trigger.registerCallback(this::finishBundle);
        metrics.serving(models.version(), models.model().newState());
        metrics.restoredKeys(storedKeys());
        if (settings.pollInterval() != null) {
            schedulePoll();
        }
        bundleFunction = new InferenceBundleFunction(models.model(), models.version(), settings, this, metrics.bundle);
    }

    @Override
    public void processElement1(StreamRecord<RnnEvent> record) throws Exception {
        RnnEvent event = record.getValue();
        metrics.events.inc();
        String reason = EventValidator.rejectReason(event, models.model().inputSize());
        if (reason != null) {
            reject(event == null ? null : event.key(), event == null ? Long.MIN_VALUE : event.timestamp(), reason);
            return;
        }
        if (eventTimeBuffer == null) {
            addToBundle(event);
            return;
        }
        switch (eventTimeBuffer.add(event)) {
            case BUFFERED -> {}
            case SERVE_NOW -> addToBundle(event);
            case LATE -> sendLate(event);
        }
    }

    @Override
    public void processElement2(StreamRecord<Control> record) throws Exception {
        Control control = record.getValue();
        // Events that arrived before the control event are served before it.
        finishBundle();
        switch (control.kind()) {
            case RESET_ALL -> freshness.resetAll();
            case SWAP_MODEL -> requestSwap(control);
            case RESET_KEY -> {
                if (ownsKey(control.key())) {
                    setCurrentKey(control.key());
                    if (keyState.value() != null) {
                        metrics.keyCleared();
                    }
                    keyState.clear();
                }
            }
            case FORECAST -> {
                if (ownsKey(control.key())) {
                    forecast(control);
                }
            }
        }
    }

    private void forecast(Control control) throws Exception {
        KeyState current = freshness.current(read(control.key()), Long.MIN_VALUE);
        Forecaster.Answer answer =
                forecaster.forecast(control.key(), control.horizon(), current, models.model(), models.version());
        if (answer.forecast() != null) {
            output.collect(RnnSideOutputs.FORECASTS, new StreamRecord<>(answer.forecast()));
        } else {
            metrics.rejects.inc();
            output.collect(RnnSideOutputs.REJECTS, new StreamRecord<>(answer.rejected()));
        }
    }

    /** Events after a swap request are served by the new version; it loads while they gather. */
    private void requestSwap(Control control) {
        try {
            models.request(control.version());
        } catch (IllegalArgumentException e) {
            metrics.swapsRefused.inc();
            output.collect(
                    RnnSideOutputs.REJECTS, new StreamRecord<>(new Rejected(null, Long.MIN_VALUE, e.getMessage())));
        }
    }

    private void schedulePoll() {
        long due = getProcessingTimeService().getCurrentProcessingTime()
                + settings.pollInterval().toMillis();
        getProcessingTimeService().registerTimer(due, time -> {
            models.poll();
            schedulePoll();
        });
    }

    /** Switches to a loaded version between bundles; {@code wait} blocks until a pending one is loaded. */
    private void takeLoadedModel(boolean wait) {
        switch (models.take(wait)) {
            case NONE -> {}
            case REFUSED -> metrics.swapsRefused.inc();
            case SWITCHED_RESETTING_STATES -> {
                freshness.startEveryKeyFresh();
                useNewModel();
            }
            case SWITCHED_KEEPING_STATES -> useNewModel();
        }
    }

    private void useNewModel() {
        metrics.swaps.inc();
        metrics.serving(models.version(), models.model().newState());
        bundleFunction.serve(models.model(), models.version());
    }

    /** Event-time mode: the watermark passed this key's events of one timestamp. */
    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        for (RnnEvent e : eventTimeBuffer.release(timer.getTimestamp())) {
            addToBundle(e);
        }
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {}

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        // Outputs of events the watermark releases must leave before the watermark itself.
        finishBundle();
        if (timeServiceManager != null) {
            timeServiceManager.advanceWatermark(mark);
        }
        finishBundle();
        output.emitWatermark(mark);
    }

    /**
     * Event time is the events' alone. Flink would combine both inputs' watermarks, and the control
     * input is often bounded (the empty one of a job without controls ends at once with {@code
     * Long.MAX_VALUE}): as soon as every event partition went idle, the combined watermark would
     * jump to the end of time, serve every buffered event early and make every later one late.
     */
    @Override
    public void processWatermark1(Watermark mark) throws Exception {
        processWatermark(mark);
    }

    @Override
    public void processWatermark2(Watermark mark) {}

    /** Only the events' idleness is passed on; it never moves this operator's watermark. */
    @Override
    protected void processWatermarkStatus(WatermarkStatus status, int input) {
        if (input == 0) {
            output.emitWatermarkStatus(status);
        }
    }

    @Override
    public boolean useInterruptibleTimers() {
        return false;
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        finishBundle();
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        factsState.update(List.of(new OperatorFacts(
                freshness.epoch(),
                models.generation(),
                models.version(),
                models.layout().line(),
                freshness.modelEpoch())));
    }

    @Override
    public void close() throws Exception {
        if (models != null) {
            models.close();
        }
        super.close();
    }

    @Override
    public void finish() throws Exception {
        finishBundle();
        super.finish();
    }

    private void addToBundle(RnnEvent event) throws Exception {
        bundle.add(event);
        takeLoadedModel(false);
        trigger.onElement();
    }

    private void finishBundle() throws Exception {
        // Everything in the bundle arrived after the last swap request: it is the new version's.
        takeLoadedModel(true);
        if (!bundle.isEmpty()) {
            bundleFunction.finishBundle(bundle, output);
        }
        trigger.reset();
    }

    /**
     * The key's stored state, rounded to the state precision: a no-op on state this job wrote, but
     * state restored from another precision is float32 on the heap until written again (the hashmap
     * backend keeps restored objects, where RocksDB rewrites them on restore), so every backend serves
     * the same bits from it. Float32 state is not touched here: a bundle's reads are hash lookups
     * in a heap far larger than the CPU caches, and following each key's state object to its values
     * would add a cache miss per key to that loop for nothing.
     */
    @Override
    public KeyState read(String key) throws Exception {
        setCurrentKey(key);
        KeyState stored = keyState.value();
        if (stored != null && settings.statePrecision() != StatePrecision.FLOAT32) {
            HalfFloats.round(stored.values, settings.statePrecision());
        }
        return stored;
    }

    @Override
    public void write(String key, KeyState state) throws Exception {
        setCurrentKey(key);
        keyState.update(state);
    }

    @Override
    public KeyState live(KeyState stored, long nextTimestamp) {
        return freshness.live(stored, nextTimestamp);
    }

    /**
     * A key's events step its state in increasing ts (docs/SEMANTICS.md section 9). In event-time
     * mode an event older than the key's last served one came too late to be put in order: it goes
     * to the late output. Otherwise an event whose ts is not after the last one (a resend, or a
     * reordering upstream) is rejected in strict ordering and served in accept ordering.
     */
    @Override
    public boolean admit(RnnEvent event, KeyState live) {
        long last = live.lastTimestamp;
        if (last == Long.MIN_VALUE || event.timestamp() > last) {
            return true;
        }
        if (settings.eventTime() && event.timestamp() < last) {
            sendLate(event);
            return false;
        }
        if (!settings.strictOrder()) {
            return true;
        }
        reject(event.key(), event.timestamp(), notAfterLast(event.timestamp(), last));
        return false;
    }

    /** The reason a resend or reordered event is rejected; {@code replay} words it the same way for its t. */
    private static String notAfterLast(long ts, long last) {
        return "ts=" + ts + " is not after the key's last ts=" + last;
    }

    private void sendLate(RnnEvent event) {
        metrics.late.inc();
        output.collect(RnnSideOutputs.LATE, new StreamRecord<>(event, event.timestamp()));
    }

    private void reject(String key, long timestamp, String reason) {
        metrics.rejects.inc();
        output.collect(RnnSideOutputs.REJECTS, new StreamRecord<>(new Rejected(key, timestamp, reason)));
    }

    private boolean ownsKey(String key) {
        if (key == null) {
            return false;
        }
        var task = getRuntimeContext().getTaskInfo();
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(
                        key, task.getMaxNumberOfParallelSubtasks(), task.getNumberOfParallelSubtasks())
                == task.getIndexOfThisSubtask();
    }

    /** Keys with state in this subtask's key groups: one scan at open, for the {@code keysWithState} gauge. */
    private long storedKeys() {
        try (Stream<Object> keys = getKeyedStateBackend().getKeys(STATE_NAME, VoidNamespace.INSTANCE)) {
            return keys.count();
        }
    }

    /** Keys whose state a model change discarded since open, as {@code modelStateResets} counts them. */
    public long modelStateResets() {
        return metrics.modelStateResets.getCount();
    }

    /** Model versions refused since open, as the {@code modelSwapsRefused} metric counts them. */
    public long refusedSwaps() {
        return metrics.swapsRefused.getCount();
    }
}
