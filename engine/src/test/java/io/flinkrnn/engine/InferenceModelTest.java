package io.flinkrnn.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkrnn.model.spec.BidirectionalSpec;
import io.flinkrnn.model.spec.EmbeddingSpec;
import io.flinkrnn.model.spec.KerasVersion;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.model.spec.RecurrentSpec;
import io.flinkrnn.model.spec.Shape;
import io.flinkrnn.model.spec.StackedCellsSpec;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Properties of the engine that Keras fixtures cannot show (they run one batch shape); the numbers
 * themselves are checked against Keras in {@link KerasParityTest}.
 */
class InferenceModelTest {

    private final Specs specs = new Specs(7);

    /** LSTM -> GRU(reset_before) -> stacked cells -> Dense: every cell kind and every kernel path. */
    private ModelSpec deepModel() {
        return Specs.model(
                null,
                5,
                Specs.rnn("lstm", specs.lstm(5, 9), true),
                Specs.rnn("gru", specs.gru(9, 6, false), true),
                Specs.rnn("stacked", new StackedCellsSpec(List.of(specs.gru(6, 4, true), specs.lstm(4, 3))), true),
                specs.dense("out", 3, 5));
    }

    @Test
    void aBatchOf64KeysComputesWhatEachKeyComputesAlone() {
        ModelSpec spec = deepModel();
        InferenceModel batched = InferenceModel.compile(spec, Mode.auto());
        InferenceModel single = InferenceModel.compile(spec, Mode.auto());
        int keys = 64;
        float[][] batchStates = new float[keys][];
        float[][] singleStates = new float[keys][];
        for (int k = 0; k < keys; k++) {
            batchStates[k] = batched.newState();
            singleStates[k] = single.newState();
        }
        Random random = new Random(1);
        float[][] events = new float[keys][5];
        float[][] batchOut = new float[keys][5];
        float[][] singleOut = new float[1][5];
        boolean[] emitted = new boolean[keys];
        for (int t = 0; t < 20; t++) {
            for (float[] e : events) {
                for (int j = 0; j < e.length; j++) {
                    e[j] = (float) random.nextGaussian();
                }
            }
            // Batches of varying size exercise the kernel's four-row blocks and its remainder.
            int rows = t % 2 == 0 ? keys : 1 + t;
            batched.step(rows, events, batchStates, batchOut, emitted);
            for (int k = 0; k < rows; k++) {
                single.step(1, new float[][] {events[k]}, new float[][] {singleStates[k]}, singleOut, emitted);
                assertThat(batchOut[k]).as("key %d step %d", k, t).containsExactly(singleOut[0]);
                assertThat(batchStates[k]).containsExactly(singleStates[k]);
            }
        }
    }

    @Test
    void resetMakesAKeyFresh() {
        InferenceModel model = InferenceModel.compile(deepModel(), Mode.auto());
        float[] used = model.newState();
        float[][] out = new float[1][5];
        model.step(1, new float[][] {{1, 2, 3, 4, 5}}, new float[][] {used}, out, new boolean[1]);
        model.reset(used);
        assertThat(used).containsExactly(model.newState());
    }

    @Test
    void forecastFeedsOutputsBackAndLeavesTheStateAlone() {
        InferenceModel model = InferenceModel.compile(deepModel(), Mode.stateful());
        float[] state = model.newState();
        float[][] out = new float[1][5];
        boolean[] emitted = new boolean[1];
        assertThatThrownBy(() -> model.forecast(state, 3)).isInstanceOf(IllegalStateException.class);
        model.step(1, new float[][] {{0.5f, -1, 0.25f, 2, 0}}, new float[][] {state}, out, emitted);
        float[] before = state.clone();

        float[][] forecast = model.forecast(state, 4);

        assertThat(state).containsExactly(before);
        float[] manual = state.clone();
        float[] x = out[0].clone();
        for (int k = 0; k < 4; k++) {
            model.step(1, new float[][] {x}, new float[][] {manual}, out, emitted);
            assertThat(forecast[k]).containsExactly(out[0]);
            x = out[0].clone();
        }
    }

    @Test
    void windowModeEmitsOnceTheWindowIsFullOrPrePadded() {
        ModelSpec spec = Specs.model(3, 2, Specs.rnn("lstm", specs.lstm(2, 4), false), specs.dense("d", 4, 1));
        InferenceModel model = InferenceModel.compile(spec, Mode.auto());
        InferenceModel padded = InferenceModel.compile(spec, Mode.auto().withPrePadding());
        assertThat(model.mode()).isEqualTo(Mode.window(3));
        float[] state = model.newState();
        float[] paddedState = padded.newState();
        boolean[] emitted = new boolean[1];
        boolean[] paddedEmitted = new boolean[1];
        float[][] out = new float[1][1];
        float[][] paddedOut = new float[1][1];
        for (int t = 0; t < 5; t++) {
            float[][] event = {{t, -t}};
            model.step(1, event, new float[][] {state}, out, emitted);
            padded.step(1, event, new float[][] {paddedState}, paddedOut, paddedEmitted);
            assertThat(emitted[0]).as("step %d", t).isEqualTo(t >= 2);
            assertThat(paddedEmitted[0]).isTrue();
            if (t >= 2) {
                assertThat(out[0]).containsExactly(paddedOut[0]);
            }
        }
    }

    @Test
    void statefulModeRefusesANonCausalLayerByName() {
        ModelSpec spec = Specs.model(
                null,
                2,
                new BidirectionalSpec(
                        "bidi",
                        Specs.rnn("fwd", specs.lstm(2, 3), false),
                        new RecurrentSpec("bwd", "LSTM", specs.lstm(2, 3), false, false, true, false),
                        BidirectionalSpec.MergeMode.CONCAT));
        assertThatThrownBy(() -> InferenceModel.compile(spec, Mode.auto()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'bidi'");
        assertThat(InferenceModel.compile(spec, Mode.window(4)).outputSize()).isEqualTo(6);
    }

    @Test
    void autoModeFollowsTheModelFile() {
        assertThat(InferenceModel.compile(deepModel(), Mode.auto()).mode()).isEqualTo(Mode.stateful());
        ModelSpec fixedLength = Specs.model(8, 2, Specs.rnn("lstm", specs.lstm(2, 3), true));
        assertThat(InferenceModel.compile(fixedLength, Mode.auto()).mode()).isEqualTo(Mode.window(8));
        ModelSpec statefulFile =
                Specs.model(1, 2, new RecurrentSpec("lstm", "LSTM", specs.lstm(2, 3), false, false, false, true));
        assertThat(InferenceModel.compile(statefulFile, Mode.auto()).mode()).isEqualTo(Mode.stateful());
        assertThatThrownBy(() -> InferenceModel.compile(fixedLength, Mode.window(5)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBadRowChangesNoState() {
        ModelSpec spec = new ModelSpec(
                "tokens",
                "test spec",
                KerasVersion.parse("3.0.0"),
                Shape.sequence(null),
                true,
                Optional.empty(),
                List.of(
                        new EmbeddingSpec("emb", 4, 3, specs.tensor(4, 3), false),
                        Specs.rnn("gru", specs.gru(3, 2, true), true)));
        InferenceModel model = InferenceModel.compile(spec, Mode.auto());
        float[][] states = {model.newState(), model.newState()};
        float[][] out = new float[2][2];
        boolean[] emitted = new boolean[2];
        model.step(2, new float[][] {{1}, {2}}, states, out, emitted);
        float[][] before = {states[0].clone(), states[1].clone()};

        assertThatThrownBy(() -> model.step(2, new float[][] {{3}, {4}}, states, out, emitted))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'emb'");
        assertThatThrownBy(() -> model.step(2, new float[][] {{3}, {1.5f}}, states, out, emitted))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> model.step(2, new float[][] {{3}, {1, 2}}, states, out, emitted))
                .isInstanceOf(IllegalArgumentException.class);

        assertThat(states).isDeepEqualTo(before);
    }
}
