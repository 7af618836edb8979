package io.flinkrnn.jobs.state;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.internal.RnnSettings;
import io.flinkrnn.operators.internal.model.ModelLoader;
import io.flinkrnn.operators.state.HalfFloats;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * Serves each key of a history bucket ({@link HistoryBuckets}) through the engine as the operator
 * serves a fresh key's events: from the model's zero state, one engine step per event in the key's
 * order, the last event's timestamp kept, the state rounded to the settings' state precision after
 * each step, and a fresh state after a session gap if the settings have one; outputs are dropped. It
 * emits each key once, with the state after its last event: what the live job would hold. Up to
 * {@link #BATCH} keys share each engine step, step i serving the i-th event of each that has one
 * (docs/SEMANTICS.md section 10: a key's bits do not depend on which keys share its step). Counts
 * keys, events and rejected rows in the job's accumulators.
 */
final class HistoryStepper extends RichFlatMapFunction<Long, SavedKey> {

    private static final long serialVersionUID = 1L;

    static final String KEYS = "flink-rnn-bootstrap-keys";
    static final String EVENTS = "flink-rnn-bootstrap-events";
    static final String REJECTED = "flink-rnn-bootstrap-rejected";
    static final String FIRST_REJECTION = "flink-rnn-bootstrap-first-rejection";

    /** Keys per engine step, as {@code replay --batch} defaults to. */
    static final int BATCH = 256;

    private static final RnnEvent[] NOT_BUFFERED = new RnnEvent[0];

    private final RnnSettings settings;
    private final String buckets;
    private final LongCounter keys = new LongCounter();
    private final LongCounter events = new LongCounter();
    private final LongCounter rejected = new LongCounter();
    private final EarliestRejection firstRejection = new EarliestRejection();
    private transient InferenceModel model;
    private transient float[][] input;
    private transient float[][] rowState;
    private transient float[][] output;
    private transient boolean[] emitted;

    HistoryStepper(RnnSettings settings, Path buckets) {
        this.settings = settings;
        this.buckets = buckets.toString();
    }

    @Override
    public void open(OpenContext context) throws Exception {
        getRuntimeContext().addAccumulator(KEYS, keys);
        getRuntimeContext().addAccumulator(EVENTS, events);
        getRuntimeContext().addAccumulator(REJECTED, rejected);
        getRuntimeContext().addAccumulator(FIRST_REJECTION, firstRejection);
        model = ModelLoader.load(settings.model(), settings).model();
        input = new float[BATCH][];
        rowState = new float[BATCH][];
        output = new float[BATCH][model.outputSize()];
        emitted = new boolean[BATCH];
    }

    @Override
    public void flatMap(Long bucket, Collector<SavedKey> out) throws Exception {
        List<List<RnnEvent>> histories =
                HistoryBuckets.read(Path.of(buckets), bucket.intValue(), model.inputSize(), rejection -> {
                    rejected.add(1L);
                    firstRejection.add(rejection);
                });
        for (int first = 0; first < histories.size(); first += BATCH) {
            List<List<RnnEvent>> batch = histories.subList(first, Math.min(first + BATCH, histories.size()));
            float[][] states = serve(batch);
            for (int k = 0; k < batch.size(); k++) {
                List<RnnEvent> history = batch.get(k);
                RnnEvent last = history.get(history.size() - 1);
                out.collect(new SavedKey(
                        last.key(), new RnnKeyState(last.key(), last.timestamp(), 0, states[k]), NOT_BUFFERED));
                events.add((long) history.size());
            }
            keys.add((long) batch.size());
        }
    }

    /** The states of {@code batch}'s keys after all their events. */
    private float[][] serve(List<List<RnnEvent>> batch) {
        float[][] states = new float[batch.size()][];
        int steps = 0;
        for (int k = 0; k < states.length; k++) {
            states[k] = model.newState();
            steps = Math.max(steps, batch.get(k).size());
        }
        for (int step = 0; step < steps; step++) {
            int rows = 0;
            for (int k = 0; k < states.length; k++) {
                List<RnnEvent> history = batch.get(k);
                if (step < history.size()) {
                    RnnEvent event = history.get(step);
                    if (step > 0 && afterSessionGap(history.get(step - 1), event)) {
                        states[k] = model.newState();
                    }
                    input[rows] = event.features();
                    rowState[rows++] = states[k];
                }
            }
            model.step(rows, input, rowState, output, emitted);
            // After every step, as the operator rounds: the next event must see the bits the live job
            // would have stored.
            for (int row = 0; row < rows; row++) {
                HalfFloats.round(rowState[row], settings.statePrecision());
            }
        }
        return states;
    }

    private boolean afterSessionGap(RnnEvent previous, RnnEvent event) {
        return settings.sessionGap() != null
                && event.timestamp() - previous.timestamp()
                        > settings.sessionGap().toMillis();
    }
}
