package io.flinkrnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkrnn.model.fixtures.Fixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model file is data: Lambda layers, custom classes and custom activations are code, and are
 * refused in every format and at every depth, naming the layer. Each test edits a real Keras file
 * (the .h5's model_config in place, a JSON config, a .keras archive's config.json).
 */
class CodeInFilesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void lambdaInAKeras2LegacyH5() throws IOException {
        Path p = editH5("keras2_lstm_last", c -> layers(c).set(2, lambda("keras.layers")));
        refused(
                () -> KerasModels.load(p),
                p + ": unsupported layer: 'my_lambda' (Lambda: a Lambda layer is code, refused)");
    }

    @Test
    void lambdaInAKeras1H5() throws IOException {
        Path p = editH5("keras1_gru", c -> layers(c).set(layers(c).size() - 1, lambda(null)));
        refused(
                () -> KerasModels.load(p),
                p + ": unsupported layer: 'my_lambda' (Lambda: a Lambda layer is code, refused)");
    }

    @Test
    void lambdaInAKeras3LegacyH5() throws IOException {
        Path p = editH5("keras3_lstm_last", c -> layers(c).set(2, lambda("keras.layers")));
        refused(
                () -> KerasModels.load(p),
                p + ": unsupported layer: 'my_lambda' (Lambda: a Lambda layer is code, refused)");
    }

    @Test
    void lambdaInAJsonConfig() throws IOException {
        Fixture f = Fixture.named("keras2_lstm_last");
        Path json = editJson(f, c -> layers(c).set(2, lambda(null)));
        Path weights = f.file("weights").orElseThrow();
        refused(
                () -> KerasModels.load(json, weights),
                json + " with " + weights
                        + ": unsupported layer: 'my_lambda' (Lambda: a Lambda layer is code, refused)");
    }

    @Test
    void lambdaInsideBidirectional() throws IOException {
        Path p = editH5(
                "keras2_bidirectional_concat", c -> config(layers(c).get(1)).set("layer", lambda("keras.layers")));
        refused(
                () -> KerasModels.load(p),
                p + ": unsupported layer: 'bidirectional' (Bidirectional of Lambda: a Lambda layer is code, refused)");
    }

    @Test
    void lambdaInsideTimeDistributed() throws IOException {
        Fixture f = Fixture.named("keras2_lstm_seq");
        Path json = editJson(f, c -> config(layers(c).get(2)).set("layer", lambda(null)));
        Path weights = f.file("weights").orElseThrow();
        refused(
                () -> KerasModels.load(json, weights),
                json + " with " + weights + ": unsupported layer: 'time_distributed' (TimeDistributed of Lambda: a"
                        + " Lambda layer is code, refused)");
    }

    @Test
    void lambdaAsTheCellOfAnRnn() throws IOException {
        Path p = editH5("keras2_rnn_cells", c -> config(layers(c).get(1)).set("cell", lambda("keras.layers")));
        refused(
                () -> KerasModels.load(p),
                p + ": unsupported layer: 'rnn' (RNN of Lambda: a Lambda layer is code, refused)");
    }

    @Test
    void customCellInsideStackedCells() throws IOException {
        Path p = editH5("keras2_stacked_cells", c -> {
            ArrayNode cells =
                    (ArrayNode) config(config(layers(c).get(1)).get("cell")).get("cells");
            ((ObjectNode) cells.get(1)).put("module", "my_package.cells").put("class_name", "MyCell");
        });
        refused(
                () -> KerasModels.load(p),
                p + ": unsupported layer: 'rnn' (RNN of StackedRNNCells of MyCell: custom objects are code, refused)");
    }

    @Test
    void customActivationInsideAnRnnCell() throws IOException {
        Path p = editH5("keras2_rnn_cells", c -> config(config(layers(c).get(1)).get("cell"))
                .set("activation", customFunction()));
        refused(
                () -> KerasModels.load(p),
                p + ": layer 'lstm_cell' (LSTMCell): activation 'my_act' (module 'my_package.activations') is a custom"
                        + " object: custom objects are code, refused");
    }

    @Test
    void customLayerInsideBidirectionalOfAKerasArchive() throws IOException {
        Path p = editArchive("keras3_bidirectional_concat", c -> ((ObjectNode)
                        config(layers(c).get(1)).get("layer"))
                .put("module", "my_package")
                .put("registered_name", "Custom>MyLSTM"));
        refused(
                () -> KerasModels.load(p),
                p + ": unsupported layer: 'bidirectional' (Bidirectional of Custom>MyLSTM: custom objects are code,"
                        + " refused)");
    }

    @Test
    void customActivationByNameInALegacyH5() throws IOException {
        // Keras 2 saves a custom activation function by its name alone.
        Path p = editH5("keras2_lstm_last", c -> config(layers(c).get(2)).put("activation", "my_act"));
        refused(
                () -> KerasModels.load(p),
                p + ": layer 'dense' (Dense): activation 'my_act' is not a Keras activation (custom activations are"
                        + " code, refused)");
    }

    @Test
    void customActivationInsideBidirectionalOfAKerasArchive() throws IOException {
        Path p = editArchive(
                "keras3_bidirectional_concat",
                c -> config(config(layers(c).get(1)).get("layer")).set("activation", customFunction()));
        refused(
                () -> KerasModels.load(p),
                p + ": layer 'forward_lstm' (LSTM): activation 'my_act' (module 'my_package.activations') is a custom"
                        + " object: custom objects are code, refused");
    }

    @Test
    void customActivationInsideTimeDistributed() throws IOException {
        Fixture f = Fixture.named("keras2_lstm_seq");
        Path json =
                editJson(f, c -> config(config(layers(c).get(2)).get("layer")).put("activation", "my_act"));
        Path weights = f.file("weights").orElseThrow();
        refused(
                () -> KerasModels.load(json, weights),
                json + " with " + weights + ": layer 'dense' (Dense): activation 'my_act' is not a Keras activation"
                        + " (custom activations are code, refused)");
    }

    private static void refused(Runnable load, String message) {
        assertThatThrownBy(load::run)
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    /** A Keras Lambda entry as Keras writes it: the function is marshalled Python bytecode. */
    private static ObjectNode lambda(String module) {
        ObjectNode l = JSON.createObjectNode();
        if (module != null) {
            l.put("module", module);
        }
        l.put("class_name", "Lambda");
        ObjectNode c = l.putObject("config").put("name", "my_lambda").put("function_type", "lambda");
        c.putArray("function")
                .add("4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAfABkARQAUwApAk7pAgAAAKkAKQHaAXhyAgAAAHICAAAA")
                .addNull()
                .addNull();
        return l;
    }

    private static ObjectNode customFunction() {
        ObjectNode fn = JSON.createObjectNode();
        fn.put("module", "my_package.activations");
        fn.put("class_name", "function");
        fn.put("config", "my_act");
        fn.put("registered_name", "my_act");
        return fn;
    }

    private static ArrayNode layers(JsonNode model) {
        JsonNode c = model.path("config");
        return (ArrayNode) (c.isArray() ? c : c.path("layers"));
    }

    private static ObjectNode config(JsonNode layer) {
        return (ObjectNode) layer.path("config");
    }

    private Path editH5(String fixture, Consumer<JsonNode> edit) throws IOException {
        byte[] h5 = Files.readAllBytes(Fixture.named(fixture).file("h5").orElseThrow());
        JsonNode config = H5Config.read(h5);
        edit.accept(config);
        return Files.write(tmp.resolve(fixture + ".h5"), H5Config.write(h5, config));
    }

    private Path editJson(Fixture f, Consumer<JsonNode> edit) throws IOException {
        JsonNode config = JSON.readTree(f.file("json").orElseThrow().toFile());
        edit.accept(config);
        Path p = tmp.resolve(f.name() + ".json");
        JSON.writeValue(p.toFile(), config);
        return p;
    }

    private Path editArchive(String fixture, Consumer<JsonNode> edit) throws IOException {
        List<ZipBytes.Entry> entries =
                ZipBytes.entriesOf(Fixture.named(fixture).file("keras").orElseThrow());
        List<ZipBytes.Entry> edited = entries.stream()
                .map(e -> {
                    if (!e.name().equals(KerasArchive.CONFIG)) {
                        return e;
                    }
                    try {
                        JsonNode config = JSON.readTree(e.data());
                        edit.accept(config);
                        return new ZipBytes.Entry(e.name(), JSON.writeValueAsBytes(config));
                    } catch (IOException ex) {
                        throw new java.io.UncheckedIOException(ex);
                    }
                })
                .toList();
        return Files.write(tmp.resolve(fixture + ".keras"), ZipBytes.write(edited));
    }
}
