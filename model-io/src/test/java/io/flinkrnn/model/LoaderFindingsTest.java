package io.flinkrnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.spec.KerasVersion;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loader bugs that {@link LoaderFuzzTest} found (or that reading the loader for it found), one
 * regression case each, on edited real files. The
 * archive findings (duplicate entries loaded silently, flipped bits in a stored entry loaded as
 * other weights) are in {@link ArchiveEntriesTest}; a flipped dataset dimension that made the HDF5
 * reader reserve memory for data the file does not hold is in {@link LoadLimitsTest}.
 */
class LoaderFindingsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Fixture RESHAPE = Fixture.named("keras3_reshape");

    @TempDir
    Path tmp;

    /**
     * A weights group linked back to its parent made the Keras 3 layout walk {@code
     * lstm/cell/cell/cell/...} for ever: a StackOverflowError here, a hang past the per-file timeout
     * when the fuzzer redirected links ({@code keras3_stacked_long}). The file's link from {@code
     * layers/lstm} to {@code cell} is pointed at {@code layers/lstm} itself.
     */
    @Test
    void weightsGroupsLinkedInACycle() throws IOException {
        Fixture f = Fixture.named("keras3_lstm_last");
        byte[] h5 = Files.readAllBytes(f.file("weights").orElseThrow());
        long lstm;
        long cell;
        try (HdfFile hdf = HdfFile.fromBytes(h5)) {
            lstm = hdf.getByPath("layers/lstm").getAddress();
            cell = hdf.getByPath("layers/lstm/cell").getAddress();
        }
        ByteBuffer b = ByteBuffer.wrap(h5).order(ByteOrder.LITTLE_ENDIAN);
        int links = 0;
        for (int i = 0; i + 8 <= h5.length; i++) {
            if (b.getLong(i) == cell) {
                b.putLong(i, lstm);
                links++;
            }
        }
        assertThat(links).isPositive();
        Path json = f.file("json").orElseThrow();
        Path weights = Files.write(tmp.resolve("cycle.weights.h5"), h5);
        assertThatThrownBy(() -> KerasModels.load(json, weights))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(json + " with " + weights + ": layer 'lstm' (LSTM): weight 'kernel' is missing: the file"
                        + " holds 0 weights for this layer");
    }

    /**
     * Found by reading the loader: links ({@code weight_names} entries, {@code vars/<n>} children)
     * may name one dataset many times, and each read allocated it again, so a small file could make
     * the loader allocate without bound. The data read from a file is now bounded by the file's size.
     */
    @Test
    void readingOneDatasetAgainCannotExceedTheFile() throws IOException {
        Path p = tmp.resolve("one.h5");
        try (WritableHdfFile w = HdfFile.write(p)) {
            w.putDataset("w", new float[1 << 18]);
        }
        byte[] bytes = Files.readAllBytes(p);
        try (H5File h5 = H5File.open(bytes, "one.h5", LoadLimits.DEFAULTS)) {
            assertThat(h5.weight("w").data()).hasSize(1 << 18);
            assertThatThrownBy(() -> h5.weight("w"))
                    .isInstanceOf(ModelLoadException.class)
                    .hasMessage(
                            "one.h5: weight 'w' brings the weights read to 2097152 bytes, more than the whole file's "
                                    + bytes.length + " (a dataset linked more than once?)");
        }
    }

    /**
     * Found by reading the loader: every nested layer config was deep-copied when read, so a config
     * within maxConfigBytes and maxJsonDepth, StackedRNNCells nested 28 deep around one large array,
     * had its array copied at every level (gigabytes of references from a 14 MB config).
     */
    @Test
    void nestedCellsAroundALargeArrayAreNotCopiedPerLevel() throws IOException {
        List<ZipBytes.Entry> entries = ZipBytes.entriesOf(
                Fixture.named("keras3_stacked_cells").file("keras").orElseThrow());
        entries.replaceAll(e -> {
            if (!e.name().equals(KerasArchive.CONFIG)) {
                return e;
            }
            try {
                JsonNode config = JSON.readTree(e.data());
                ArrayNode cells = (ArrayNode) config.path("config")
                        .path("layers")
                        .get(1)
                        .path("config")
                        .path("cell")
                        .path("config")
                        .path("cells");
                JsonNode inner = cells.get(0).deepCopy();
                ((com.fasterxml.jackson.databind.node.ObjectNode) inner.path("config")).put("payload", "ARRAY");
                for (int i = 0; i < 28; i++) {
                    com.fasterxml.jackson.databind.node.ObjectNode wrap = JSON.createObjectNode();
                    wrap.put("module", "keras.layers").put("class_name", "StackedRNNCells");
                    wrap.putObject("config")
                            .put("name", "stacked_" + i)
                            .putArray("cells")
                            .add(inner);
                    inner = wrap;
                }
                cells.set(0, inner);
                String text = JSON.writeValueAsString(config).replace("\"ARRAY\"", "[" + "0,".repeat(7_000_000) + "0]");
                return new ZipBytes.Entry(e.name(), text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
        });
        Path p = Files.write(tmp.resolve("nested.keras"), ZipBytes.write(entries));
        // 17 s before the fix on a loaded two-core machine, 0.6 s after; the fuzzer's per-file timeout.
        assertThatThrownBy(() -> assertTimeoutPreemptively(Duration.ofSeconds(10), () -> KerasModels.load(p)))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(p + ": layer 'rnn' (RNN): weight 'kernel' (layers/rnn/cell/cells/gru_cell/vars/0) has shape"
                        + " (6, 15) in the file, the config expects (4, 24)");
    }

    /** A config value of 100,000 characters was quoted whole in the one-line message. */
    @Test
    void aHugeConfigValueIsCutShortInTheMessage() throws IOException {
        Fixture f = Fixture.named("keras2_lstm_last");
        JsonNode config = JSON.readTree(f.file("json").orElseThrow().toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode)
                        config.path("config").path("layers").get(1).path("config"))
                .put("units", "x".repeat(100_000));
        Path json = tmp.resolve("units.json");
        JSON.writeValue(json.toFile(), config);
        Path weights = f.file("weights").orElseThrow();
        String start = json + " with " + weights + ": layer 'lstm' (LSTM): config field 'units' is \"xxx";
        assertThatThrownBy(() -> KerasModels.load(json, weights))
                .isInstanceOf(ModelLoadException.class)
                .message()
                .startsWith(start)
                .matches(m -> m.length() < ModelLoadException.MAX_LENGTH + 40, "is cut short")
                .matches("(?s).*x\\.\\.\\. \\(\\d+ more characters\\)");
    }

    @Test
    void aNestedLayerConfigIsSharedNotCopied() throws IOException {
        JsonNode entry = JSON.readTree("{\"class_name\": \"RNN\", \"config\": {\"cell\": {\"class_name\":"
                + " \"LSTMCell\", \"config\": {\"units\": 2}}}}");
        LoadContext ctx = new LoadContext("f", new KerasVersion(3, "3"), LoadLimits.DEFAULTS);
        assertThat(LayerConfig.of(entry, ctx, "layer #0").config().get("cell"))
                .isSameAs(entry.path("config").get("cell"));
    }

    /**
     * One flipped bit turned {@code "dense_2"} into {@code "dense_3"} in an .h5's model_config (seed
     * 2672824930660, case 35988): the Sequential model loaded with dense_3's weights in both layers.
     */
    @Test
    void twoSequentialLayersWithOneName() throws IOException {
        byte[] h5 = Files.readAllBytes(
                Fixture.named("keras3_activations_dense2").file("h5").orElseThrow());
        JsonNode config = H5Config.read(h5);
        for (JsonNode layer : config.path("config").path("layers")) {
            if (layer.path("config").path("name").asText().equals("dense_2")) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) layer.path("config")).put("name", "dense_3");
            }
        }
        Path p = Files.write(tmp.resolve("names.h5"), H5Config.write(h5, config));
        assertThatThrownBy(() -> KerasModels.load(p))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(p + ": two layers are named 'dense_3'");
    }

    /**
     * One flipped bit gave the first of two stacked ConvLSTM2D layers strides (1, 9) (seed
     * 2802348933655, case 49098): the second one's 'valid' kernel no longer fitted its frame, and an
     * IllegalArgumentException escaped from the spec instead of a message naming the layer.
     */
    @Test
    void convLstmWhoseKernelLeavesNoOutput() throws IOException {
        byte[] h5 = Files.readAllBytes(
                Fixture.named("keras2_convlstm_stacked").file("h5").orElseThrow());
        JsonNode config = H5Config.read(h5);
        ((ArrayNode) config.path("config").path("layers").get(1).path("config").path("strides")).set(1, 9);
        Path p = Files.write(tmp.resolve("strides.h5"), H5Config.write(h5, config));
        assertThatThrownBy(() -> KerasModels.load(p))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(p + ": layer 'conv_lstm2d_1' (ConvLSTM2D): its (2, 2) kernel with strides (1, 1) and"
                        + " dilation_rate (1, 1) leaves no output of the (6, 1) frame");
    }

    /** Reordered archive entries "loaded a different model": a Reshape compared its target by identity. */
    @Test
    void oneFileLoadsToEqualModels() {
        Path p = RESHAPE.file("keras").orElseThrow();
        assertThat(KerasModels.load(p)).isEqualTo(KerasModels.load(p));
    }

    /** A Reshape after a sequence of unknown length unboxed a null time axis (NullPointerException). */
    @Test
    void reshapeOfASequenceOfUnknownLength() throws IOException {
        List<ZipBytes.Entry> entries = ZipBytes.entriesOf(RESHAPE.file("keras").orElseThrow());
        entries.replaceAll(e -> {
            if (!e.name().equals(KerasArchive.CONFIG)) {
                return e;
            }
            try {
                JsonNode config = JSON.readTree(e.data());
                ((ArrayNode) config.path("config")
                                .path("layers")
                                .get(0)
                                .path("config")
                                .path("batch_shape"))
                        .setNull(1);
                return new ZipBytes.Entry(e.name(), JSON.writeValueAsBytes(config));
            } catch (IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
        });
        Path p = Files.write(tmp.resolve("any-length.keras"), ZipBytes.write(entries));
        assertThatThrownBy(() -> KerasModels.load(p))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(p + ": layer 'reshape' (Reshape): Reshape 'reshape' needs a fixed input length, got"
                        + " (None, None, 4)");
    }
}
