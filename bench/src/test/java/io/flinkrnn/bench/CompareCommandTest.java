package io.flinkrnn.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.KerasModels;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.spec.ModelSpec;
import org.junit.jupiter.api.Test;

/** The FLOP count behind compare's %-of-peak table, on the reference model. */
class CompareCommandTest {

    /**
     * LSTM(96) over 12 features, LSTM(96), Dense(1): Keras's count_params is 41,856 + 74,112 + 97 =
     * 116,065. Stateful mode runs each weight once per event; window(4) runs the two LSTMs' weights
     * four times and the head's once.
     */
    @Test
    void flopsPerEventAreTwoPerWeightPerStep() throws Exception {
        ModelSpec spec = KerasModels.load(
                Fixture.root().toAbsolutePath().getParent().resolve("bench/models/lstm96x2_window4.h5"));

        assertThat(spec.paramCount()).isEqualTo(116_065);
        assertThat(CompareCommand.flopsPerEvent(spec, 1)).isEqualTo(2.0 * 116_065);
        assertThat(CompareCommand.flopsPerEvent(spec, 4)).isEqualTo(2.0 * (4 * (41_856 + 74_112) + 97));
    }
}
