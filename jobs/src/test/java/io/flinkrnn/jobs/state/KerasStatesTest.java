package io.flinkrnn.jobs.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.model.fixtures.Fixture;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link KerasStates} names each carried state as Keras's {@code layer.states} orders it, with the
 * widths Keras recorded for the fixture ({@code recurrent_states} in its {@code case.json}), laid
 * end to end from the start of a key's values.
 */
class KerasStatesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = ';',
            value = {
                "keras2_gru_reset_after; h",
                "keras3_stacked_long; h c h",
                "keras2_stacked_cells; cells[0].h cells[0].c cells[1].h cells[2].h",
                "keras2_convlstm_stacked; h c h c"
            })
    void statesAreNamedAndSizedAsKerasHoldsThem(String name, String names) {
        Fixture fixture = Fixture.named(name);
        List<KerasStates.KerasState> states =
                KerasStates.of(CommittedSavepoints.model(fixture.file("h5").orElseThrow()));

        List<Integer> kerasWidths = new ArrayList<>();
        List<Integer> layers = new ArrayList<>();
        JsonNode recorded = fixture.meta().path("recurrent_states");
        for (int layer = 0; layer < recorded.size(); layer++) {
            for (JsonNode width : recorded.get(layer)) {
                kerasWidths.add(width.asInt());
                layers.add(layer);
            }
        }
        assertThat(states).extracting(KerasStates.KerasState::name).containsExactly(names.split(" "));
        assertThat(states).extracting(KerasStates.KerasState::units).containsExactlyElementsOf(kerasWidths);
        assertThat(states).extracting(KerasStates.KerasState::layer).containsExactlyElementsOf(layers);
        int offset = 0;
        for (KerasStates.KerasState state : states) {
            assertThat(state.offset()).as(state.label()).isEqualTo(offset);
            offset += state.units();
        }
    }
}
