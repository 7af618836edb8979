package io.flinkrnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkrnn.model.spec.Activation;
import io.flinkrnn.model.spec.Activation.Kind;
import io.flinkrnn.model.spec.KerasVersion;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code hard_sigmoid} is {@code clip(0.2x + 0.5, 0, 1)} in Keras 1 and 2 and {@code relu6(x + 3) / 6}
 * in Keras 3: the normalization stage decides which, in every form a file may write it. The parity
 * fixtures cover the plain name in each version; this covers the other forms.
 */
class HardSigmoidVersionsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static LayerConfig layer(String keras, String entry) throws Exception {
        LoadContext ctx = new LoadContext("model.json", KerasVersion.parse(keras), LoadLimits.DEFAULTS);
        return LayerConfig.of(JSON.readTree(entry), ctx, "layer");
    }

    @ParameterizedTest(name = "Keras {0}: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "1.2.2 | \"hard_sigmoid\"                                                      | HARD_SIGMOID_KERAS2",
                "2.15.0 | \"hard_sigmoid\"                                                     | HARD_SIGMOID_KERAS2",
                "2.15.0 | {\"module\": \"keras.activations\", \"class_name\": \"function\", \"config\": \"hard_sigmoid\"} | HARD_SIGMOID_KERAS2",
                "3.6.0 | \"hard_sigmoid\"                                                      | HARD_SIGMOID_KERAS3",
                "3.6.0 | {\"module\": \"keras.activations\", \"class_name\": \"function\", \"config\": \"hard_sigmoid\"} | HARD_SIGMOID_KERAS3"
            })
    void anActivationLayerTakesTheMeaningOfItsVersion(String keras, String activation, Kind expected) throws Exception {
        LayerConfig layer =
                layer(keras, "{\"class_name\": \"Activation\", \"config\": {\"activation\": " + activation + "}}");
        assertThat(ActivationReader.ofLayer(layer).kind()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"LSTM", "GRU"})
    void keras1GatesDefaultToItsHardSigmoid(String className) throws Exception {
        LayerConfig layer = layer("1.2.2", "{\"class_name\": \"" + className + "\", \"config\": {\"output_dim\": 4}}");
        assertThat(ActivationReader.field(layer, "recurrent_activation", Activation.SIGMOID)
                        .kind())
                .isEqualTo(Kind.HARD_SIGMOID_KERAS2);
    }

    @ParameterizedTest(name = "Keras {0}")
    @CsvSource({"2.15.0", "3.6.0"})
    void aCustomFunctionNamedHardSigmoidIsStillRefused(String keras) throws Exception {
        JsonNode custom = JSON.readTree(
                "{\"module\": \"my_project\", \"class_name\": \"function\", \"config\": \"hard_sigmoid\"}");
        LayerConfig layer =
                layer(keras, "{\"class_name\": \"Activation\", \"config\": {\"activation\": " + custom + "}}");
        assertThatThrownBy(() -> ActivationReader.ofLayer(layer))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("'hard_sigmoid' (module 'my_project') is a custom object");
    }
}
