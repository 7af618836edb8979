package io.flinkrnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.flinkrnn.model.fixtures.Fixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loader bugs that {@link LoaderFuzzTest} found, one regression case each, on edited real files. The
 * archive findings (duplicate entries loaded silently, flipped bits in a stored entry loaded as
 * other weights) are in {@link ArchiveEntriesTest}; a flipped dataset dimension that made the HDF5
 * reader reserve memory for data the file does not hold is in {@link LoadLimitsTest}.
 */
class LoaderFindingsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Fixture RESHAPE = Fixture.named("keras3_reshape");

    @TempDir
    Path tmp;

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
