package io.flinkrnn.operators;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.operators.bundle.BundleTrigger;
import io.flinkrnn.operators.bundle.CountBundleTrigger;
import io.flinkrnn.operators.bundle.EventBundle;
import io.flinkrnn.operators.bundle.InferenceBundleFunction;
import io.flinkrnn.operators.state.KeyState;
import io.flinkrnn.operators.state.KeyStateSerializer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
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
 * The keyed inference operator. Input 1 carries events keyed by their key; input 2 carries control
 * events broadcast to every subtask. Each key's recurrent state lives in keyed state ({@link
 * KeyState}); events are bundled across keys and handed to the engine one round at a time, so one
 * batched step serves every key of the bundle (Flink table-runtime's bundle operators: the trigger
 * says when, {@link InferenceBundleFunction} says what).
 *
 * <p>Bundles never outlive a checkpoint barrier, a watermark, a control event or the end of input:
 * each of them finishes the bundle first, so no checkpoint holds half a bundle and exactly-once
 * needs nothing beyond keyed state.
 */
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
    public static final String EVENT_TIME_BUFFER_NAME = "flink-rnn-event-time-buffer";

    /** The keyed timer service: an event-time timer at each timestamp a key has events buffered at. */
    public static final String TIMERS_NAME = "flink-rnn-timers";

    private final RnnSettings settings;

    private transient ModelSwitch models;
    private transient ValueState<KeyState> keyState;
    private transient MapState<Long, List<RnnEvent>> eventTimeBuffer;
    private transient ListState<OperatorFacts> factsState;
    private transient OperatorFacts restored;
    private transient int epoch;
    /** Keys of an older epoch were written by a model whose states the serving one cannot carry. */
    private transient int modelEpoch;

    private transient InternalTimerService<VoidNamespace> timers;
    private transient EventBundle bundle;
    private transient BundleTrigger trigger;
    /** Counts finished bundles: a delay timer set for an earlier bundle must not cut a later one short. */
    private transient long bundleNumber;
    /** The bundle whose delay timer is set, or -1. */
    private transient long timedBundle;

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
        epoch = restored.epoch();
        modelEpoch = restored.modelEpoch();
    }

    @Override
    public void open() throws Exception {
        super.open();
        models = new ModelSwitch(settings, restored.version(), restored.generation(), getOperatorName());
        boolean restoredOtherModel =
                models.resume(restored.version(), restored.layout()) == ModelSwitch.Outcome.SWITCHED_RESETTING_STATES;
        if (restoredOtherModel) {
            startEveryKeyFresh();
        }
        ValueStateDescriptor<KeyState> stateDescriptor =
                new ValueStateDescriptor<>(STATE_NAME, KeyStateSerializer.INSTANCE);
        if (settings.idleTtl() != null) {
            stateDescriptor.enableTimeToLive(StateTtlConfig.newBuilder(settings.idleTtl())
                    .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                    .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                    .build());
        }
        keyState = getRuntimeContext().getState(stateDescriptor);
        if (settings.eventTime()) {
            eventTimeBuffer = getRuntimeContext()
                    .getMapState(new MapStateDescriptor<>(
                            EVENT_TIME_BUFFER_NAME, Types.LONG, Types.LIST(TypeInformation.of(RnnEvent.class))));
        }
        timers = getInternalTimerService(TIMERS_NAME, VoidNamespaceSerializer.INSTANCE, this);
        bundle = new EventBundle();
        timedBundle = -1;
        trigger = new CountBundleTrigger(settings.bundleMaxEvents());
        metrics = new RnnMetrics(getMetricGroup(), bundle);
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
            reject(event == null ? null : event.key(), timestampOf(event), reason);
            return;
        }
        if (!settings.eventTime()) {
            addToBundle(event);
            return;
        }
        long watermark = timers.currentWatermark();
        if (event.timestamp() > watermark) {
            List<RnnEvent> sameTime = eventTimeBuffer.get(event.timestamp());
            if (sameTime == null) {
                sameTime = new ArrayList<>(1);
            }
            sameTime.add(event);
            eventTimeBuffer.put(event.timestamp(), sameTime);
            timers.registerEventTimeTimer(VoidNamespace.INSTANCE, event.timestamp());
        } else if (watermark - event.timestamp() <= settings.allowedLateness().toMillis()) {
            addToBundle(event);
        } else {
            sendLate(event);
        }
    }

    private void sendLate(RnnEvent event) {
        metrics.late.inc();
        output.collect(RnnSideOutputs.LATE, new StreamRecord<>(event, event.timestamp()));
    }

    private void reject(String key, long timestamp, String reason) {
        metrics.rejects.inc();
        output.collect(RnnSideOutputs.REJECTS, new StreamRecord<>(new Rejected(key, timestamp, reason)));
    }

    @Override
    public void processElement2(StreamRecord<Control> record) throws Exception {
        Control control = record.getValue();
        // Events that arrived before the control event are served before it.
        finishBundle();
        switch (control.kind()) {
            case RESET_ALL -> epoch++;
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
        KeyState current = current(read(control.key()), Long.MIN_VALUE);
        String problem = horizonProblem(control.horizon());
        if (problem == null) {
            try {
                InferenceModel model = models.model();
                float[][] steps = model.forecast(current.values, control.horizon());
                float[] flat = new float[steps.length * model.outputSize()];
                for (int k = 0; k < steps.length; k++) {
                    System.arraycopy(steps[k], 0, flat, k * model.outputSize(), model.outputSize());
                }
                output.collect(
                        RnnSideOutputs.FORECASTS,
                        new StreamRecord<>(new Forecast(
                                control.key(), current.lastTimestamp, control.horizon(), flat, models.version())));
                return;
            } catch (IllegalArgumentException | IllegalStateException e) {
                problem = e.getMessage();
            }
        }
        reject(control.key(), current.lastTimestamp, "forecast of " + control.horizon() + " steps: " + problem);
    }

    /** A control event is input too: a horizon that cannot be served is a reject, never a failure. */
    private String horizonProblem(int horizon) {
        if (horizon < 1) {
            return "the horizon must be at least 1";
        }
        if (horizon > settings.forecastMaxHorizon()) {
            return "the horizon is above " + RnnOptions.FORECAST_MAX_HORIZON.key() + " ("
                    + settings.forecastMaxHorizon() + ")";
        }
        return null;
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
                startEveryKeyFresh();
                useNewModel();
            }
            case SWITCHED_KEEPING_STATES -> useNewModel();
        }
    }

    /** A model change that cannot carry the keys' states: each key starts fresh when next seen. */
    private void startEveryKeyFresh() {
        epoch++;
        modelEpoch = epoch;
    }

    private void useNewModel() {
        metrics.swaps.inc();
        metrics.serving(models.version(), models.model().newState());
        bundleFunction.serve(models.model(), models.version());
    }

    /**
     * Event-time mode: the watermark passed this key's events of one timestamp. Timers fire in
     * timestamp order, so each key's events reach the bundle sorted by event time.
     */
    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        List<RnnEvent> ripe = eventTimeBuffer.get(timer.getTimestamp());
        eventTimeBuffer.remove(timer.getTimestamp());
        if (ripe != null) {
            for (RnnEvent e : ripe) {
                addToBundle(e);
            }
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
        factsState.update(
                List.of(new OperatorFacts(epoch, models.generation(), models.version(), models.layout(), modelEpoch)));
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
        // While a new version loads, its events gather, up to a few bundles, rather than wait for it.
        boolean full = trigger.onElement();
        if (full && (!models.loading() || bundle.size() >= 4 * settings.bundleMaxEvents())) {
            finishBundle();
        } else if (timedBundle != bundleNumber && !settings.bundleMaxDelay().isZero()) {
            long owner = bundleNumber;
            timedBundle = owner;
            long due = getProcessingTimeService().getCurrentProcessingTime()
                    + settings.bundleMaxDelay().toMillis();
            getProcessingTimeService().registerTimer(due, time -> {
                if (bundleNumber == owner) {
                    finishBundle();
                }
            });
        }
    }

    private void finishBundle() throws Exception {
        // Everything in the bundle arrived after the last swap request: it is the new version's.
        takeLoadedModel(true);
        if (!bundle.isEmpty()) {
            bundleFunction.finishBundle(bundle, output);
        }
        bundleNumber++;
        trigger.reset();
    }

    @Override
    public KeyState read(String key) throws Exception {
        setCurrentKey(key);
        return keyState.value();
    }

    @Override
    public void write(String key, KeyState state) throws Exception {
        setCurrentKey(key);
        keyState.update(state);
    }

    /**
     * The key's state as the next event must see it: fresh after a reset, a session gap, TTL or a
     * model change; a key whose state a model change discarded counts as a {@code modelStateResets}.
     */
    @Override
    public KeyState live(KeyState stored, long nextTimestamp) {
        KeyState state = current(stored, nextTimestamp);
        if (state != stored && stored != null && (stored.epoch < modelEpoch || !fitsModel(stored))) {
            metrics.modelStateResets.inc();
        }
        return state;
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

    /** {@link #live} without counting: a forecast reads a key's state and never writes it back. */
    private KeyState current(KeyState stored, long nextTimestamp) {
        boolean gap = stored != null
                && settings.sessionGap() != null
                && nextTimestamp != Long.MIN_VALUE
                && nextTimestamp - stored.lastTimestamp > settings.sessionGap().toMillis();
        boolean foreign = stored != null
                && stored.epoch == epoch
                && !fitsModel(stored)
                && models.resetsForeignState(stored.values.length);
        if (stored == null || stored.epoch != epoch || gap || foreign) {
            return new KeyState(models.model().newState(), Long.MIN_VALUE, epoch);
        }
        return stored;
    }

    private boolean fitsModel(KeyState state) {
        return state.values.length == models.model().stateLayout().size();
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

    /** Keys whose state a model change discarded since open, as {@code modelStateResets} counts them. */
    long modelStateResets() {
        return metrics.modelStateResets.getCount();
    }

    /** Keys with state in this subtask's key groups: one scan at open, for the {@code keysWithState} gauge. */
    private long storedKeys() {
        try (Stream<Object> keys = getKeyedStateBackend().getKeys(STATE_NAME, VoidNamespace.INSTANCE)) {
            return keys.count();
        }
    }

    /** Model versions refused since open, as the {@code modelSwapsRefused} metric counts them. */
    long refusedSwaps() {
        return metrics.swapsRefused.getCount();
    }

    private static long timestampOf(RnnEvent event) {
        return event == null ? Long.MIN_VALUE : event.timestamp();
    }
}
