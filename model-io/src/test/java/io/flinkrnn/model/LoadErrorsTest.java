package io.flinkrnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.model.spec.Shape;
import io.flinkrnn.model.spec.TensorRef;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Random;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each way a model file can be wrong gives one line naming the file, the object and the reason. */
class LoadErrorsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private final Fixture keras3 = Fixture.named("keras3_lstm_last");
    private final Fixture keras2 = Fixture.named("keras2_lstm_last");

    @Test
    void missingFile() {
        Path p = tmp.resolve("nope.keras");
        fails(() -> KerasModels.load(p)).hasMessage(p + ": no such file");
    }

    @Test
    void emptyFile() throws IOException {
        Path p = Files.createFile(tmp.resolve("empty.h5"));
        fails(() -> KerasModels.load(p)).hasMessage(p + ": is empty");
    }

    @Test
    void directory() {
        fails(() -> KerasModels.load(tmp))
                .hasMessage(tmp + ": is a directory (a TensorFlow SavedModel?), expected a .keras, .h5 or .json file");
    }

    @Test
    void randomBytes() throws IOException {
        Path p = tmp.resolve("model.h5");
        byte[] junk = new byte[4096];
        new Random(7).nextBytes(junk);
        junk[0] = 'x';
        Files.write(p, junk);
        fails(() -> KerasModels.load(p))
                .hasMessage(p + ": not a Keras model file (neither a .keras zip archive, nor HDF5, nor a JSON config)");
    }

    @Test
    void truncatedH5() throws IOException {
        Path p = truncated(keras2.file("h5").orElseThrow(), "model.h5", 3000);
        fails(() -> KerasModels.load(p)).message().startsWith(p + ": ").contains("HDF5");
    }

    @Test
    void hdf5SignatureFollowedByGarbage() throws IOException {
        Path p = tmp.resolve("garbage.h5");
        byte[] bytes = new byte[4096];
        new Random(3).nextBytes(bytes);
        System.arraycopy(new byte[] {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'}, 0, bytes, 0, 8);
        Files.write(p, bytes);
        fails(() -> KerasModels.load(p)).message().startsWith(p + ": not a readable HDF5 file (");
    }

    @Test
    void truncatedKerasArchive() throws IOException {
        Path p = truncated(keras3.file("keras").orElseThrow(), "model.keras", 2000);
        fails(() -> KerasModels.load(p)).message().startsWith(p + ": not a readable zip archive (");
    }

    @Test
    void zipWithoutKerasEntries() throws IOException {
        Path p = tmp.resolve("other.keras");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(p))) {
            zip.putNextEntry(new ZipEntry("readme.txt"));
            zip.write("hello".getBytes(StandardCharsets.UTF_8));
        }
        fails(() -> KerasModels.load(p)).hasMessage(p + ": has no metadata.json: not a Keras 3 .keras archive");
    }

    @Test
    void unsupportedLayersAreListedAllAtOnce() throws IOException {
        Path p = editConfig("unsupported.keras", config -> {
            ArrayNode layers = (ArrayNode) config.path("config").path("layers");
            layers.insert(2, layer("Lambda", "my_lambda", null));
            layers.insert(3, layer("Conv1D", "conv", null));
            layers.insert(4, layer("MyLayer", "mine", "Custom>MyLayer"));
            layers.insert(5, layer("ConvLSTM3D", "conv_lstm", null));
        });
        fails(() -> KerasModels.load(p))
                .hasMessage(p + ": unsupported layers: 'my_lambda' (Lambda: a Lambda layer is code, refused),"
                        + " 'conv' (Conv1D), 'mine' (Custom>MyLayer: custom objects are code, refused),"
                        + " 'conv_lstm' (ConvLSTM3D: only ConvLSTM2D of the convolutional recurrent layers is"
                        + " supported)");
    }

    @Test
    void customActivationIsRefused() throws IOException {
        Path p = editConfig("custom_activation.keras", config -> {
            ObjectNode dense =
                    (ObjectNode) config.path("config").path("layers").get(2).path("config");
            ObjectNode fn = JSON.createObjectNode();
            fn.put("module", "my_package.activations");
            fn.put("class_name", "function");
            fn.put("config", "my_act");
            fn.put("registered_name", "my_act");
            dense.set("activation", fn);
        });
        fails(() -> KerasModels.load(p))
                .hasMessage(p + ": layer 'dense' (Dense): activation 'my_act' (module 'my_package.activations')"
                        + " is a custom object: custom objects are code, refused");
    }

    @Test
    void weightShapeThatDoesNotFitTheConfig() throws IOException {
        Path p = editConfig("units.keras", config -> ((ObjectNode)
                        config.path("config").path("layers").get(1).path("config"))
                .put("units", 5));
        fails(() -> KerasModels.load(p))
                .hasMessage(p + ": layer 'lstm' (LSTM): weight 'kernel' (layers/lstm/cell/vars/0) has shape (3, 24)"
                        + " in the file, the config expects (3, 20)");
    }

    @Test
    void legacyWeightShapeThatDoesNotFitTheConfig() throws IOException {
        Path json = editJson(keras2.file("json").orElseThrow(), "model.json", config -> ((ObjectNode)
                        config.path("config").path("layers").get(2).path("config"))
                .put("use_bias", false));
        Path weights = keras2.file("weights").orElseThrow();
        fails(() -> KerasModels.load(json, weights))
                .hasMessage(json + " with " + weights + ": layer 'dense' (Dense): the file holds 2 weights for this"
                        + " layer, the config uses 1 (dense/dense/kernel:0 (6, 1), dense/dense/bias:0 (1,))");
    }

    @Test
    void layerMissingFromTheWeightsFile() throws IOException {
        Path json = editJson(keras2.file("json").orElseThrow(), "model.json", config -> ((ObjectNode)
                        config.path("config").path("layers").get(1).path("config"))
                .put("name", "encoder"));
        Path weights = keras2.file("weights").orElseThrow();
        fails(() -> KerasModels.load(json, weights))
                .hasMessage(json + " with " + weights + ": layer 'encoder' (LSTM): weight 'kernel' is missing: the"
                        + " weights file has no entry for this layer (it has weights for layers [lstm, dense])");
    }

    @Test
    void timeMajorIsRefused() throws IOException {
        Path json = editJson(keras2.file("json").orElseThrow(), "model.json", config -> ((ObjectNode)
                        config.path("config").path("layers").get(1).path("config"))
                .put("time_major", true));
        Path weights = keras2.file("weights").orElseThrow();
        fails(() -> KerasModels.load(json, weights))
                .hasMessage(json + " with " + weights + ": layer 'lstm' (LSTM): time_major=True is not supported"
                        + " (flink-rnn feeds batch-major sequences)");
    }

    @Test
    void functionalModelWithOutputsFromTwoLayersServesBoth() throws IOException {
        // A second output taken from the LSTM: Keras 3 writes several outputs as a list of lists.
        Path archive = Fixture.named("keras3_functional").file("keras").orElseThrow();
        Path json = tmp.resolve("two-outputs.json");
        Path weights = tmp.resolve("model.weights.h5");
        try (ZipFile zip = new ZipFile(archive.toFile())) {
            JsonNode config = JSON.readTree(zip.getInputStream(zip.getEntry("config.json")));
            ArrayNode outputs = JSON.createArrayNode()
                    .add(config.path("config").path("output_layers"))
                    .add(JSON.createArrayNode().add("lstm").add(0).add(0));
            ((ObjectNode) config.path("config")).set("output_layers", outputs);
            JSON.writeValue(json.toFile(), config);
            Files.copy(zip.getInputStream(zip.getEntry("model.weights.h5")), weights);
        }
        ModelSpec spec = KerasModels.load(json, weights);
        assertThat(spec.outputs()).containsExactly(TensorRef.of(1), TensorRef.of(0));
        assertThat(spec.outputShape()).isEqualTo(Shape.single(7));
    }

    @Test
    void jsonConfigWithoutWeights() {
        Path json = keras2.file("json").orElseThrow();
        fails(() -> KerasModels.load(json))
                .hasMessage(json + ": is a JSON model config without weights; load it together with its weights file");
    }

    @Test
    void weightsOnlyFileAsAModel() {
        Path weights = keras2.file("weights").orElseThrow();
        fails(() -> KerasModels.load(weights))
                .hasMessage(weights + ": holds only weights, no model config; load it together with its JSON config");
    }

    @Test
    void brokenJson() throws IOException {
        Path json = tmp.resolve("model.json");
        Files.writeString(json, "{\"class_name\": \"Sequential\", \"config\": [");
        Path weights = keras2.file("weights").orElseThrow();
        fails(() -> KerasModels.load(json, weights)).message().startsWith(json + ": not valid JSON (");
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> fails(Runnable load) {
        return assertThatThrownBy(load::run)
                .isInstanceOf(ModelLoadException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    private static ObjectNode layer(String className, String name, String registeredName) {
        ObjectNode l = JSON.createObjectNode();
        l.put("module", registeredName == null ? "keras.layers" : "my_package");
        l.put("class_name", className);
        l.putObject("config").put("name", name);
        l.put("registered_name", registeredName);
        return l;
    }

    private Path truncated(Path source, String name, int bytes) throws IOException {
        Path p = tmp.resolve(name);
        byte[] all = Files.readAllBytes(source);
        Files.write(p, java.util.Arrays.copyOf(all, Math.min(bytes, all.length / 2)));
        return p;
    }

    private Path editJson(Path source, String name, Consumer<JsonNode> edit) throws IOException {
        JsonNode config = JSON.readTree(source.toFile());
        edit.accept(config);
        Path p = tmp.resolve(name);
        JSON.writeValue(p.toFile(), config);
        return p;
    }

    private Path editConfig(String name, Consumer<JsonNode> edit) throws IOException {
        return rewriteArchive(name, (entry, out) -> {
            if (!entry.equals("config.json")) {
                return false;
            }
            try (ZipFile zip = new ZipFile(keras3.file("keras").orElseThrow().toFile())) {
                JsonNode config = JSON.readTree(zip.getInputStream(zip.getEntry("config.json")));
                edit.accept(config);
                out.write(JSON.writeValueAsBytes(config));
            }
            return true;
        });
    }

    interface EntryRewriter {
        /** Writes a replacement for the entry and returns true, or returns false to copy it. */
        boolean rewrite(String entry, OutputStream out) throws IOException;
    }

    /** A copy of the fixture's .keras archive with entries replaced. */
    private Path rewriteArchive(String name, EntryRewriter rewriter) throws IOException {
        Path p = tmp.resolve(name);
        try (ZipFile source = new ZipFile(keras3.file("keras").orElseThrow().toFile());
                ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(p))) {
            for (Enumeration<? extends ZipEntry> e = source.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                out.putNextEntry(new ZipEntry(entry.getName()));
                if (!rewriter.rewrite(entry.getName(), out)) {
                    try (InputStream in = source.getInputStream(entry)) {
                        in.transferTo(out);
                    }
                }
                out.closeEntry();
            }
        }
        return p;
    }
}
