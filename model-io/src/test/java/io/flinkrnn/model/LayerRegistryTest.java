package io.flinkrnn.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.LayerRegistry.Entry;
import io.flinkrnn.model.LayerRegistry.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The registry is what the support check accepts and what the readers read: a class it lists as a
 * layer has a reader, a recurrent layer or a cell has a cell reader, a refused class has a reason.
 */
class LayerRegistryTest {

    private static final List<String> LAYERS = List.of(
            "LSTM",
            "GRU",
            "SimpleRNN",
            "RNN",
            "CuDNNLSTM",
            "CuDNNGRU",
            "ConvLSTM2D",
            "Dense",
            "TimeDistributedDense",
            "Dropout",
            "SpatialDropout1D",
            "GaussianNoise",
            "GaussianDropout",
            "AlphaDropout",
            "Activation",
            "LeakyReLU",
            "ELU",
            "ReLU",
            "Softmax",
            "Bidirectional",
            "TimeDistributed",
            "Add",
            "Subtract",
            "Multiply",
            "Average",
            "Maximum",
            "Minimum",
            "Concatenate",
            "Dot",
            "Masking",
            "Embedding",
            "RepeatVector",
            "Flatten",
            "Reshape");

    @Test
    void everySupportedLayerHasAReader() {
        for (String cls : LAYERS) {
            Entry entry = LayerRegistry.of(cls).orElseThrow();
            assertThat(entry.read()).as(cls).isNotNull();
            assertThat(entry.cell() != null).as(cls).isEqualTo(entry.kind() == Kind.RECURRENT);
            assertThat(entry.wraps().isEmpty()).as(cls).isEqualTo(entry.kind() != Kind.WRAPPER);
        }
    }

    @Test
    void cellsAreReadOnlyInsideARecurrentLayer() {
        for (String cls : List.of("LSTMCell", "GRUCell", "SimpleRNNCell", "StackedRNNCells")) {
            Entry entry = LayerRegistry.of(cls).orElseThrow();
            assertThat(entry.kind()).as(cls).isEqualTo(Kind.CELL);
            assertThat(entry.read()).as(cls).isNull();
            assertThat(entry.cell()).as(cls).isNotNull();
        }
    }

    @Test
    void refusedClassesSayWhy() {
        assertThat(LayerRegistry.of("Lambda").orElseThrow().refusal())
                .isEqualTo("Lambda: a Lambda layer is code, refused");
        assertThat(LayerRegistry.of("ConvLSTM1D").orElseThrow().refusal())
                .isEqualTo("ConvLSTM1D: only ConvLSTM2D of the convolutional recurrent layers is supported");
        assertThat(LayerRegistry.of("Conv1D")).isEmpty();
    }
}
