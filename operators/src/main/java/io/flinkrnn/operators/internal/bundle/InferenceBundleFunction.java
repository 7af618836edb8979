package io.flinkrnn.operators.internal.bundle;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.operators.Prediction;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.internal.RnnSettings;
import io.flinkrnn.operators.state.HalfFloats;
import io.flinkrnn.operators.state.KeyState;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * What happens to a finished bundle: each touched key's state is read from keyed state once, then,
 * round by round, the keys become the rows of one batched engine step that updates their states in
 * place, and at the end each state is written back once, however many events its key had (Flink
 * table-runtime's mini-batch: on RocksDB a read and a write are the cost of an event). Rows that
 * produce an output are emitted as their round finishes.
 *
 * <p>Whether an event may step its key is decided here, at the moment it would be served, against
 * the key's state as the earlier events of the same bundle left it: a key may have several pending
 * events, and a resend sitting behind its original in one bundle must see the original as served.
 * A key none of whose events was served is not written back, so a refused event changes no state
 * (not even a TTL's last-write time).
 */
@Internal
public final class InferenceBundleFunction {

    /** Keyed state access through the current key, provided by the operator. */
    public interface KeyStates {
        /** The key's stored state, or {@code null}. */
        KeyState read(String key) throws Exception;

        void write(String key, KeyState state) throws Exception;

        /** The state an event at {@code nextTimestamp} must see: fresh after a reset, a session gap or TTL. */
        KeyState live(KeyState stored, long nextTimestamp);

        /**
         * Whether {@code event} may step {@code live}, the state it would continue; an event refused
         * (e.g. one whose ts is not after the key's last) has been sent aside with its reason.
         */
        boolean admit(RnnEvent event, KeyState live);
    }

    private final RnnSettings settings;
    private InferenceModel model;
    private String version;
    private final KeyStates states;
    private final BundleMetrics metrics;

    /** Each prediction's record: the chained operators downstream are done with it when {@code collect} returns. */
    private final StreamRecord<Prediction> record = new StreamRecord<>(null);

    private RnnEvent[] rowEvents = new RnnEvent[0];
    private KeyState[] rowStates = new KeyState[0];
    private float[][] inputs = new float[0][];
    private float[][] stateRows = new float[0][];
    private float[][] outputs = new float[0][];
    private boolean[] emitted = new boolean[0];

    public InferenceBundleFunction(
            InferenceModel model, String version, RnnSettings settings, KeyStates states, BundleMetrics metrics) {
        this.settings = settings;
        serve(model, version);
        this.states = states;
        this.metrics = metrics;
    }

    /** Serves the following bundles with another model, e.g. after a swap. */
    public void serve(InferenceModel newModel, String newVersion) {
        this.model = newModel;
        this.version = newVersion;
        this.outputs = new float[rowStates.length][newModel.outputSize()];
    }

    public void finishBundle(EventBundle bundle, Output<StreamRecord<Prediction>> out) throws Exception {
        List<EventBundle.KeyEvents> keys = bundle.keys();
        for (EventBundle.KeyEvents k : keys) {
            k.state = states.read(k.key);
        }
        while (!bundle.isEmpty()) {
            step(bundle.nextRound(), out);
        }
        for (EventBundle.KeyEvents k : keys) {
            if (k.stepped) {
                states.write(k.key, k.state);
            }
        }
        bundle.clear();
    }

    private void step(List<EventBundle.KeyEvents> round, Output<StreamRecord<Prediction>> out) throws Exception {
        ensureCapacity(round.size());
        int rows = 0;
        for (EventBundle.KeyEvents k : round) {
            RnnEvent event = k.event();
            KeyState stored = k.state;
            KeyState live = states.live(stored, event.timestamp());
            if (!states.admit(event, live)) {
                continue;
            }
            if (stored == null) {
                metrics.keysCreated.inc();
            }
            // The key's later rounds continue live, also when it is a fresh state (new key, reset, session gap).
            k.state = live;
            k.stepped = true;
            rowEvents[rows] = event;
            rowStates[rows] = live;
            inputs[rows] = event.features();
            stateRows[rows] = live.values;
            rows++;
        }
        if (rows == 0) {
            return;
        }
        long start = System.nanoTime();
        model.step(rows, inputs, stateRows, outputs, emitted);
        metrics.engineNanos.update(System.nanoTime() - start);
        metrics.stepRows.update(rows);
        long now = System.currentTimeMillis();
        for (int i = 0; i < rows; i++) {
            RnnEvent event = rowEvents[i];
            KeyState state = rowStates[i];
            // After every step, not when written back: a key's next event must see the same bits
            // whether it is served in this bundle or after a round trip through keyed state.
            HalfFloats.round(state.values, settings.statePrecision());
            state.lastTimestamp = event.timestamp();
            if (emitted[i]) {
                metrics.outputs.inc();
                // A Kafka record's timestamp is epoch ms whatever unit the event's ts is in.
                long since = event.sourceTimestamp() != RnnEvent.NO_SOURCE_TIMESTAMP
                        ? event.sourceTimestamp()
                        : event.timestamp();
                metrics.latencyMillis.update(now - since);
                float[] exported = settings.emitStates() ? RecurrentStates.of(model.stateLayout(), state.values) : null;
                Prediction p = new Prediction(
                        event.key(), event.timestamp(), outputs[i].clone(), version, exported, event.sourceTimestamp());
                out.collect(record.replace(p, event.timestamp()));
            }
            rowEvents[i] = null;
            rowStates[i] = null;
            inputs[i] = null;
        }
    }

    private void ensureCapacity(int rows) {
        if (rowStates.length >= rows) {
            return;
        }
        int n = Math.max(rows, rowStates.length * 2);
        rowEvents = new RnnEvent[n];
        rowStates = new KeyState[n];
        inputs = new float[n][];
        stateRows = new float[n][];
        outputs = new float[n][model.outputSize()];
        emitted = new boolean[n];
    }
}
