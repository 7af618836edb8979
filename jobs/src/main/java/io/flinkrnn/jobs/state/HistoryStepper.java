package io.flinkrnn.jobs.state;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.operators.OperatorFacts;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.internal.RnnSettings;
import io.flinkrnn.operators.internal.model.ModelLoader;
import io.flinkrnn.operators.state.HalfFloats;
import io.flinkrnn.operators.state.KeyState;
import org.apache.flink.api.common.functions.OpenContext;

/**
 * Serves each key's history through the engine as the operator serves a fresh key's events: from
 * the model's zero state, one engine step per event in the key's order, the last event's timestamp
 * kept, the state rounded to the settings' state precision after each step, and a fresh state after
 * a session gap if the settings have one; outputs are dropped. The state after the last event is
 * what the live job would hold (docs/SEMANTICS.md section 10: a key's bits do not depend on which
 * keys share its engine step).
 */
final class HistoryStepper extends FactsWritingFunction<RnnEvent> {

    private static final long serialVersionUID = 1L;

    private final RnnSettings settings;
    private transient InferenceModel model;
    private transient float[][] input;
    private transient float[][] state;
    private transient float[][] output;
    private transient boolean[] emitted;

    HistoryStepper(RnnSettings settings, OperatorFacts facts) {
        super(facts, settings.statePrecision());
        this.settings = settings;
    }

    @Override
    public void open(OpenContext context) throws Exception {
        super.open(context);
        model = ModelLoader.load(settings.model(), settings).model();
        input = new float[1][];
        state = new float[1][];
        output = new float[1][model.outputSize()];
        emitted = new boolean[1];
    }

    @Override
    public void processElement(RnnEvent event, Context context) throws Exception {
        KeyState key = keyState.value();
        if (key == null || afterSessionGap(key, event)) {
            key = new KeyState(model.newState(), Long.MIN_VALUE, 0);
        }
        input[0] = event.features();
        state[0] = key.values;
        model.step(1, input, state, output, emitted);
        HalfFloats.round(key.values, settings.statePrecision());
        key.lastTimestamp = event.timestamp();
        keyState.update(key);
    }

    private boolean afterSessionGap(KeyState key, RnnEvent event) {
        return settings.sessionGap() != null
                && event.timestamp() - key.lastTimestamp > settings.sessionGap().toMillis();
    }
}
