package io.flinkrnn.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkrnn.model.spec.Inbound;
import io.flinkrnn.model.spec.KerasVersion;
import io.flinkrnn.model.spec.LayerSpec;
import io.flinkrnn.model.spec.MergeSpec;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.model.spec.RecurrentSpec;
import io.flinkrnn.model.spec.RepeatVectorSpec;
import io.flinkrnn.model.spec.Shape;
import io.flinkrnn.model.spec.TensorRef;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Which graphs run one event at a time (docs/SEMANTICS.md section 11): the Keras fixtures show the
 * graphs that do (KerasParityTest); these hand-made graphs are the ones stateful mode must refuse,
 * naming the layer, while window mode serves them.
 */
class GraphModesTest {

    private final Specs specs = new Specs(11);

    @Test
    void aDecoderOnTheStreamStartedFromAnEncodersStatesNeedsAWindow() {
        RecurrentSpec encoder = new RecurrentSpec("encoder", "LSTM", specs.lstm(2, 3), false, true, false, false);
        RecurrentSpec decoder = new RecurrentSpec("decoder", "LSTM", specs.lstm(2, 3), true, false, false, false);
        ModelSpec spec = graph(
                List.of(encoder, decoder),
                List.of(
                        Inbound.chain(0),
                        new Inbound(List.of(TensorRef.INPUT), List.of(new TensorRef(0, 1), new TensorRef(0, 2)))),
                TensorRef.of(1));

        assertThatThrownBy(() -> InferenceModel.compile(spec, Mode.stateful()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("layer 'decoder' (LSTM) of test graph starts from other layers' states (initial_state) on"
                        + " the stream's time axis, so each output needs the whole sequence; serve this model in"
                        + " window mode");
        InferenceModel window = InferenceModel.compile(spec, Mode.window(4));
        assertThat(window.outputSize()).isEqualTo(4 * 3);
        assertThat(window.stateLayout().states()).isEmpty();
    }

    @Test
    void aMergeOfTheStreamWithATensorOffItNeedsAWindow() {
        LayerSpec summary = Specs.rnn("summary", specs.lstm(2, 2), false);
        LayerSpec repeat = new RepeatVectorSpec("repeat", 1);
        LayerSpec add = new MergeSpec("add", MergeSpec.Kind.ADD, 0);
        ModelSpec spec = graph(
                List.of(summary, repeat, add),
                List.of(
                        Inbound.chain(0),
                        Inbound.chain(1),
                        new Inbound(List.of(TensorRef.INPUT, TensorRef.of(1)), List.of())),
                TensorRef.of(2));

        assertThatThrownBy(() -> InferenceModel.compile(spec, Mode.stateful()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("layer 'add' (Add) of test graph merges tensors on the stream's time axis with tensors off"
                        + " it, so it cannot run one event at a time in stateful mode; serve this model in window"
                        + " mode");
        assertThat(InferenceModel.compile(spec, Mode.window(1)).outputSize()).isEqualTo(2);
    }

    private static ModelSpec graph(List<LayerSpec> layers, List<Inbound> inbound, TensorRef output) {
        return new ModelSpec(
                "graph",
                "test graph",
                KerasVersion.parse("3.0.0"),
                List.of(Shape.sequence(null, 2)),
                false,
                Optional.empty(),
                layers,
                inbound,
                List.of(output));
    }
}
