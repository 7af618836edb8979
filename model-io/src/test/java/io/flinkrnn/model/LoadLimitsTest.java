package io.flinkrnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkrnn.model.fixtures.Fixture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each size a file declares is checked against its limit before anything is allocated for it; the
 * error names the limit.
 */
class LoadLimitsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Fixture KERAS2 = Fixture.named("keras2_lstm_last");

    @TempDir
    Path tmp;

    @Test
    void defaultsAreDocumented() {
        assertThat(LoadLimits.DEFAULTS).isEqualTo(new LoadLimits(1L << 30, 16L << 20, 100, 1_000, 1L << 28));
    }

    @Test
    void limitsMustBePositive() {
        assertThatThrownBy(() -> LoadLimits.DEFAULTS.withMaxLayers(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxLayers must be between 1 and 2147483647, got 0");
    }

    @Test
    void fileLargerThanMaxFileBytes() {
        Path h5 = KERAS2.file("h5").orElseThrow();
        fails(() -> KerasModels.load(h5, LoadLimits.DEFAULTS.withMaxFileBytes(1000)))
                .hasMessage(h5 + ": is larger than the limit maxFileBytes (1000)");
    }

    @Test
    void jsonConfigLargerThanMaxConfigBytes() {
        Path json = KERAS2.file("json").orElseThrow();
        Path weights = KERAS2.file("weights").orElseThrow();
        fails(() -> KerasModels.load(json, weights, LoadLimits.DEFAULTS.withMaxConfigBytes(100)))
                .hasMessage(json + ": is larger than the limit maxConfigBytes (100)");
    }

    @Test
    void h5ModelConfigLargerThanMaxConfigBytes() throws IOException {
        Path h5 = KERAS2.file("h5").orElseThrow();
        int length = H5Config.span(Files.readAllBytes(h5))[1];
        fails(() -> KerasModels.load(h5, LoadLimits.DEFAULTS.withMaxConfigBytes(length - 1)))
                .message()
                .startsWith(h5 + " (model_config): ")
                .endsWith("bytes of config, more than the limit maxConfigBytes (" + (length - 1) + ")");
    }

    @Test
    void nestingDeeperThanMaxJsonDepth() throws IOException {
        Path json = edit(c -> ((ObjectNode) c).put("deep", "NESTING"), "[".repeat(101) + "]".repeat(101));
        Path weights = KERAS2.file("weights").orElseThrow();
        fails(() -> KerasModels.load(json, weights))
                .hasMessage(json + ": nests deeper than the limit maxJsonDepth (100)");
    }

    @Test
    void moreLayersThanMaxLayers() {
        Path h5 = KERAS2.file("h5").orElseThrow();
        fails(() -> KerasModels.load(h5, LoadLimits.DEFAULTS.withMaxLayers(2)))
                .hasMessage(h5 + ": the model has 3 layers, more than the limit maxLayers (2)");
    }

    @Test
    void weightWithMoreValuesThanMaxTensorElements() {
        Path h5 = KERAS2.file("h5").orElseThrow();
        fails(() -> KerasModels.load(h5, LoadLimits.DEFAULTS.withMaxTensorElements(50)))
                .hasMessage(h5 + ": weight 'model_weights/lstm/lstm/lstm_cell/kernel:0' of shape (3, 24) declares 72"
                        + " values, more than the limit maxTensorElements (50)");
    }

    @Test
    void datasetDeclaringMoreDataThanTheFileHolds() throws IOException {
        // Found by LoaderFuzzTest: the LSTM kernel's first dimension grown from 3 to 10,000,000 declares
        // 960 MB that the small file cannot hold; reading from a file channel, jhdf reserved it all
        // (OutOfMemoryError at 100,000,000 rows of a SimpleRNN kernel). Within maxTensorElements.
        byte[] h5 = Files.readAllBytes(KERAS2.file("h5").orElseThrow());
        H5Structure s = H5Structure.of(h5);
        ByteBuffer b = ByteBuffer.wrap(h5).order(ByteOrder.LITTLE_ENDIAN);
        int kernelRows = s.dimFields().stream()
                .filter(at -> b.getLong(at) == 3 && b.getLong(at + 8) == 24)
                .findFirst()
                .orElseThrow();
        b.putLong(kernelRows, 10_000_000);
        Path p = Files.write(tmp.resolve("dims.h5"), h5);
        fails(() -> KerasModels.load(p))
                .hasMessage(p + ": weight 'model_weights/lstm/lstm/lstm_cell/kernel:0' of shape (10000000, 24)"
                        + " declares 960000000 bytes of data, more than the whole file's " + h5.length);
    }

    @Test
    void layerOutputLargerThanMaxTensorElements() throws IOException {
        Path json = edit(
                c -> ((ArrayNode) c.path("config")
                                .path("layers")
                                .get(0)
                                .path("config")
                                .path("batch_input_shape"))
                        .set(1, JSON.getNodeFactory().numberNode(1 << 28)),
                null);
        Path weights = KERAS2.file("weights").orElseThrow();
        fails(() -> KerasModels.load(json, weights))
                .hasMessage(json + " with " + weights + ": the model's input (None, 268435456, 3) holds 805306368"
                        + " values, more than the limit maxTensorElements (268435456)");
    }

    private Path edit(java.util.function.Consumer<JsonNode> change, String nesting) throws IOException {
        JsonNode config = JSON.readTree(KERAS2.file("json").orElseThrow().toFile());
        change.accept(config);
        String text = JSON.writeValueAsString(config);
        if (nesting != null) {
            text = text.replace("\"NESTING\"", nesting);
        }
        return Files.writeString(tmp.resolve("model.json"), text, StandardCharsets.UTF_8);
    }

    private static org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> fails(Runnable load) {
        return assertThatThrownBy(load::run)
                .isInstanceOf(ModelLoadException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
