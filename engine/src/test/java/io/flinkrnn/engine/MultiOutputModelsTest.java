package io.flinkrnn.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkrnn.model.KerasModels;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.model.spec.RecurrentSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Keras-written models whose recurrent layer has more than one output (fixtures/keras3_refused):
 * what flink-rnn serves of them, or the one line that says why it cannot.
 */
class MultiOutputModelsTest {

    private static final Path DIR = Fixture.root().resolve("keras3_refused");

    @Test
    void bidirectionalWithoutMergeModeIsRefusedNamingTheLayer() {
        Path file = DIR.resolve("bidirectional_merge_none.keras");
        ModelSpec spec = KerasModels.load(file);
        assertThat(spec.paramCount()).isEqualTo(256);
        assertThatThrownBy(() -> InferenceModel.compile(spec, Mode.window(4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Bidirectional 'bidirectional' has merge_mode=None, two outputs; flink-rnn serves one"
                        + " output tensor");
    }

    /** return_state=True: the layer's output is served, its h and c come with emitted states. */
    @Test
    void returnStateServesTheOutputAndCarriesTheStates() {
        ModelSpec spec = KerasModels.load(DIR.resolve("lstm_return_state.keras"));
        assertThat(spec.paramCount()).isEqualTo(128);
        assertThat(spec.layers()).singleElement().isInstanceOfSatisfying(RecurrentSpec.class, lstm -> assertThat(
                        lstm.returnState())
                .isTrue());
        InferenceModel model = InferenceModel.compile(spec, Mode.auto());
        assertThat(model.outputSize()).isEqualTo(4);
        assertThat(model.stateLayout().states())
                .extracting(StateLayout.Slot::size)
                .containsExactly(4, 4);
    }
}
