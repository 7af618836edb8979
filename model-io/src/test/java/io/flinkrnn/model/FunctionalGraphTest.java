package io.flinkrnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.spec.DotSpec;
import io.flinkrnn.model.spec.Inbound;
import io.flinkrnn.model.spec.LayerSpec;
import io.flinkrnn.model.spec.MergeSpec;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.model.spec.Shape;
import io.flinkrnn.model.spec.TensorRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Functional graphs written by real Keras 2 and 3 (fixtures {@code *_graph_*}): the DAG model-io reads
 * from {@code inbound_nodes}, and the one-line errors for graphs it refuses (docs/SEMANTICS.md section 11).
 */
class FunctionalGraphTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void residualSkipIsAnAddOfTwoLstmOutputs() {
        for (String name : List.of("keras3_graph_residual", "keras2_graph_residual")) {
            Fixture f = Fixture.named(name);
            ModelSpec spec = KerasModels.load(
                    f.file(name.startsWith("keras3") ? "keras" : "h5").orElseThrow());
            assertThat(spec.layers())
                    .extracting(LayerSpec::className)
                    .as(name)
                    .containsExactly("LSTM", "LSTM", "Add", "Dense");
            assertThat(spec.inbound().get(1).inputs()).containsExactly(TensorRef.of(0));
            assertThat(spec.inbound().get(2).inputs()).containsExactly(TensorRef.of(0), TensorRef.of(1));
            assertThat(spec.outputs()).containsExactly(TensorRef.of(3));
            assertThat(spec.isChain()).isFalse();
            assertThat(spec.paramCount()).isEqualTo(f.countParams());
        }
    }

    @Test
    void branchesAreOrderedAsKerasListsTheLayers() {
        ModelSpec spec =
                KerasModels.load(Fixture.named("keras2_graph_merges").file("h5").orElseThrow());
        assertThat(spec.layers())
                .extracting(LayerSpec::className)
                .containsExactly(
                        "LSTM",
                        "GRU",
                        "Dense",
                        "Subtract",
                        "Multiply",
                        "Average",
                        "Maximum",
                        "Minimum",
                        "Concatenate",
                        "Dense");
        assertThat(spec.layers().get(8)).isEqualTo(new MergeSpec("concatenate", MergeSpec.Kind.CONCATENATE, 0));
        assertThat(spec.inbound().get(5).inputs()).containsExactly(TensorRef.of(0), TensorRef.of(1), TensorRef.of(2));
    }

    @Test
    void decoderStartsFromTheEncodersReturnedStates() {
        for (String name : List.of("keras3_graph_encoder_decoder", "keras2_graph_encoder_decoder")) {
            Fixture f = Fixture.named(name);
            ModelSpec spec = KerasModels.load(
                    f.file(name.startsWith("keras3") ? "keras" : "h5").orElseThrow());
            assertThat(spec.layers())
                    .extracting(LayerSpec::className)
                    .as(name)
                    .containsExactly("LSTM", "RepeatVector", "LSTM", "TimeDistributed");
            assertThat(spec.inbound().get(2))
                    .isEqualTo(
                            new Inbound(List.of(TensorRef.of(1)), List.of(new TensorRef(0, 1), new TensorRef(0, 2))));
            assertThat(spec.summary())
                    .contains("repeat_vector[0][0], lstm[0][1] (initial_state), lstm[0][2] (initial_state)");
        }
    }

    /** Keras 3 writes the Masking layer's mask as NotEqual and Any op layers; Keras 2 propagates it implicitly. */
    @Test
    void keras3MaskOpsMeanTheMaskingLayersMask() {
        for (String file : List.of("keras", "h5")) {
            ModelSpec keras3 = KerasModels.load(
                    Fixture.named("keras3_graph_masking").file(file).orElseThrow());
            ModelSpec keras2 = KerasModels.load(
                    Fixture.named("keras2_graph_masking").file("h5").orElseThrow());
            assertThat(keras3.layers())
                    .extracting(LayerSpec::className)
                    .containsExactly("Masking", "LSTM", "GRU", "Add", "Dense");
            assertThat(keras3.inbound()).isEqualTo(keras2.inbound());
        }
    }

    @Test
    void aMaskThatIsNotTheMaskingLayersIsRefused() throws IOException {
        Path[] files = edited("keras3_graph_masking", layers -> ((ArrayNode)
                        entry(layers, "not_equal").path("inbound_nodes").get(0).path("args"))
                .set(1, JSON.getNodeFactory().numberNode(1.0)));
        assertThatThrownBy(() -> KerasModels.load(files[0], files[1]))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(files[0] + " with " + files[1] + ": layer 'lstm' (LSTM): takes a mask= tensor that is not"
                        + " the mask of a Masking layer its input comes from; flink-rnn reads masks from Masking"
                        + " layers (and Embedding mask_zero)");
    }

    @Test
    void aSecondInputOfStaticFeaturesFollowsTheSequenceInTheEvent() {
        for (String name : List.of("keras3_graph_static_input", "keras2_graph_static_input_window")) {
            Fixture f = Fixture.named(name);
            ModelSpec spec = KerasModels.load(
                    f.file(name.startsWith("keras3") ? "keras" : "h5").orElseThrow());
            Integer length = name.endsWith("window") ? 5 : null;
            assertThat(spec.inputs()).as(name).containsExactly(Shape.sequence(length, 3), Shape.single(2));
            assertThat(spec.input()).isEqualTo(Shape.sequence(length, 3));
            assertThat(spec.features()).isEqualTo(f.features());
            assertThat(spec.inbound().get(1).inputs()).containsExactly(TensorRef.of(0), TensorRef.input(1));
        }
    }

    @Test
    void concatenateAlongTheTimeAxisIsRefused() throws IOException {
        Path[] files = edited(
                "keras3_graph_branches", layers -> config(layers, "concatenate").put("axis", 1));
        assertThatThrownBy(() -> KerasModels.load(files[0], files[1]))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(files[0] + " with " + files[1] + ": layer 'concatenate' (Concatenate): concatenates"
                        + " along axis 1 of (None, None, 6); flink-rnn concatenates along the feature axes of a step,"
                        + " not the batch or time axis");
    }

    @Test
    void initialStateWithTooFewTensorsIsRefused() throws IOException {
        Path[] files = edited("keras3_graph_encoder_decoder", layers -> ((ArrayNode) entry(layers, "lstm_1")
                        .path("inbound_nodes")
                        .get(0)
                        .path("kwargs")
                        .path("initial_state"))
                .remove(1));
        assertThatThrownBy(() -> KerasModels.load(files[0], files[1]))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(files[0] + " with " + files[1]
                        + ": layer 'lstm_1' (LSTM): takes 1 initial_state tensors, its cell has 2 states");
    }

    @Test
    void layersThatDoNotLeadToTheOutputAreRefused() throws IOException {
        Path[] files = edited("keras3_graph_residual", layers -> {});
        JsonNode config = JSON.readTree(files[0].toFile());
        ((ObjectNode) config.path("config"))
                .set(
                        "output_layers",
                        JSON.createArrayNode().add("lstm_1").add(0).add(0));
        JSON.writeValue(files[0].toFile(), config);
        assertThatThrownBy(() -> KerasModels.load(files[0], files[1]))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(files[0] + " with " + files[1] + ": layers [add, dense] do not lead from the input"
                        + " 'input_layer' to the output 'lstm_1'");
    }

    @Test
    void aCycleIsRefused() throws IOException {
        Path[] files = residualWithLstmReading("lstm_1", 0);
        assertThatThrownBy(() -> KerasModels.load(files[0], files[1]))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(files[0] + " with " + files[1] + ": layer 'lstm' (LSTM) is part of a cycle");
    }

    /** Found by LoaderFuzzTest (seed 4806825412886): one flipped bit made a reference to input tensor 4. */
    @Test
    void aReferenceToAnOutputTheInputDoesNotHaveIsRefused() throws IOException {
        Path[] files = residualWithLstmReading("input_layer", 4);
        assertThatThrownBy(() -> KerasModels.load(files[0], files[1]))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(files[0] + " with " + files[1] + ": layer 'lstm' (LSTM): reads output 4 of layer"
                        + " 'input_layer', which has no such output");
    }

    @Test
    void outputsOfDifferentLayersAreAllServedInOutputOrder() {
        for (String name : List.of("keras3_graph_two_heads", "keras2_graph_two_heads")) {
            Fixture f = Fixture.named(name);
            ModelSpec spec = KerasModels.load(f.file("h5").orElseThrow());
            assertThat(spec.outputs()).as(name).containsExactly(TensorRef.of(1), TensorRef.of(0));
            assertThat(spec.outputShape()).as(name).isEqualTo(Shape.sequence(null, 8));
            assertThat(spec.summary()).as(name).contains("Outputs: dense[0][0], lstm[0][0]");
        }
    }

    @Test
    void dotOfTwoVectorsIsReadWithItsNormalization() {
        for (String name : List.of("keras3_graph_dot", "keras2_graph_dot")) {
            ModelSpec spec = KerasModels.load(Fixture.named(name).file("h5").orElseThrow());
            // Keras 3 caps the inverse norm at 1 / epsilon, tf.keras's l2_normalize at 1 / sqrt(1e-12).
            float cap = name.startsWith("keras3") ? 1e7f : 1e6f;
            assertThat(spec.layers())
                    .as(name)
                    .filteredOn(l -> l instanceof DotSpec)
                    .containsExactly(new DotSpec("dot", false, cap), new DotSpec("dot_1", true, cap));
        }
    }

    @Test
    void dotAlongAnAxisOfSequencesIsRefusedNamingTheLayer() throws IOException {
        Path[] files = edited("keras3_graph_branches", layers -> {
            ObjectNode concatenate = entry(layers, "concatenate");
            concatenate.put("class_name", "Dot");
            ((ObjectNode) concatenate.path("config")).put("axes", 2);
        });
        assertThatThrownBy(() -> KerasModels.load(files[0], files[1]))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(files[0] + " with " + files[1] + ": layer 'concatenate' (Dot): takes the dot product"
                        + " along axes 2 of (None, None, 6) and (None, None, 4); flink-rnn runs Dot of two vectors"
                        + " along their feature axis (axes=1)");
    }

    @Test
    void twoSequenceInputsShareTheEventsTimeAxis() {
        ModelSpec spec = KerasModels.load(
                Fixture.named("keras3_graph_two_sequences").file("keras").orElseThrow());
        assertThat(spec.inputs()).containsExactly(Shape.sequence(null, 3), Shape.sequence(null, 2));
        assertThat(spec.features()).isEqualTo(5);
        assertThat(spec.inbound().get(0).inputs()).containsExactly(TensorRef.input(0));
        assertThat(spec.inbound().get(1).inputs()).containsExactly(TensorRef.input(1));
    }

    /** A Keras 3 fixture's {@code .keras} as a JSON config (edited) and its {@code model.weights.h5}. */
    private Path[] edited(String fixture, Consumer<ArrayNode> editLayers) throws IOException {
        Path json = tmp.resolve(fixture + ".json");
        Path weights = tmp.resolve(fixture + ".weights.h5");
        try (ZipFile zip =
                new ZipFile(Fixture.named(fixture).file("keras").orElseThrow().toFile())) {
            JsonNode config = JSON.readTree(zip.getInputStream(zip.getEntry("config.json")));
            editLayers.accept((ArrayNode) config.path("config").path("layers"));
            JSON.writeValue(json.toFile(), config);
            Files.copy(zip.getInputStream(zip.getEntry("model.weights.h5")), weights);
        }
        return new Path[] {json, weights};
    }

    private static ObjectNode entry(ArrayNode layers, String name) {
        for (JsonNode layer : layers) {
            if (layer.path("name").asText().equals(name)) {
                return (ObjectNode) layer;
            }
        }
        throw new AssertionError("no layer " + name);
    }

    private static ObjectNode config(ArrayNode layers, String name) {
        return (ObjectNode) entry(layers, name).path("config");
    }

    /** keras3_graph_residual with its layer 'lstm' reading output {@code tensor} of {@code layer} instead. */
    private Path[] residualWithLstmReading(String layer, int tensor) throws IOException {
        return edited("keras3_graph_residual", layers -> ((ObjectNode) entry(layers, "lstm")
                        .path("inbound_nodes")
                        .get(0)
                        .path("args")
                        .get(0)
                        .path("config"))
                .set("keras_history", JSON.createArrayNode().add(layer).add(0).add(tensor)));
    }
}
