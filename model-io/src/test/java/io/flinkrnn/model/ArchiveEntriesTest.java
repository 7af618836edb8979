package io.flinkrnn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkrnn.model.fixtures.Fixture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A .keras archive is read in memory by entry name; entries that would escape a directory, shadow
 * one another or point elsewhere are refused by name, and no entry is trusted beyond its CRC and
 * its declared size. Each archive is built from a real fixture's entries.
 */
class ArchiveEntriesTest {

    private static final Fixture KERAS3 = Fixture.named("keras3_lstm_last");

    @TempDir
    Path tmp;

    @Test
    void entriesInAnyOrderAndDeflatedLoadTheSameModel() throws IOException {
        List<ZipBytes.Entry> entries = new ArrayList<>(real());
        java.util.Collections.reverse(entries);
        entries.replaceAll(e -> new ZipBytes.Entry(e.name(), e.data(), true, ZipBytes.REGULAR));
        Path p = archive("reordered.keras", entries);
        assertThat(FixtureLoadTest.tensors(KerasModels.load(p)))
                .isEqualTo(FixtureLoadTest.tensors(
                        KerasModels.load(KERAS3.file("keras").orElseThrow())));
    }

    @Test
    void absolutePathIsRefused() throws IOException {
        Path p = withExtra("abs.keras", new ZipBytes.Entry("/tmp/evil.txt", bytes("evil")));
        refused(p, p + ": entry '/tmp/evil.txt' has an absolute path; refused");
    }

    @Test
    void windowsDrivePathIsRefused() throws IOException {
        Path p = withExtra("drive.keras", new ZipBytes.Entry("C:\\evil.txt", bytes("evil")));
        refused(p, p + ": entry 'C:\\evil.txt' has an absolute path; refused");
    }

    @Test
    void dotDotSegmentIsRefused() throws IOException {
        Path p = withExtra("slip.keras", new ZipBytes.Entry("assets/../../evil.txt", bytes("evil")));
        refused(p, p + ": entry 'assets/../../evil.txt' has a '..' path segment; refused");
    }

    @Test
    void duplicateEntryIsRefused() throws IOException {
        // A second config.json after the first: a reader that takes the last one would load another model.
        ZipBytes.Entry config = real().stream()
                .filter(e -> e.name().equals(KerasArchive.CONFIG))
                .findFirst()
                .orElseThrow();
        Path p = withExtra("dup.keras", config);
        refused(p, p + ": entry 'config.json' appears twice; an archive with duplicate entries is refused");
    }

    @Test
    void symbolicLinkIsRefused() throws IOException {
        List<ZipBytes.Entry> entries = new ArrayList<>(real());
        entries.replaceAll(e -> e.name().equals(KerasArchive.WEIGHTS)
                ? new ZipBytes.Entry(e.name(), bytes("/etc/passwd"), false, ZipBytes.SYMLINK)
                : e);
        Path p = archive("link.keras", entries);
        refused(p, p + ": entry 'model.weights.h5' is a symbolic link; refused");
    }

    @Test
    void entryWithAWrongCrcIsRefused() throws IOException {
        Path p = archive("crc.keras", real());
        byte[] bytes = Files.readAllBytes(p);
        int weights = indexOf(bytes, bytes("model.weights.h5")) + "model.weights.h5".length();
        bytes[weights + 4000] ^= 1;
        Files.write(p, bytes);
        refused(p, p + ": entry 'model.weights.h5' fails its CRC-32 check (damaged archive)");
    }

    @Test
    void entryLargerThanItsLimitIsRefusedBeforeInflating() throws IOException {
        // 17 MiB of spaces deflate to a few KiB: the declared size is checked, then inflating stops there.
        List<ZipBytes.Entry> entries = new ArrayList<>(real());
        byte[] spaces = new byte[17 << 20];
        Arrays.fill(spaces, (byte) ' ');
        entries.replaceAll(e -> e.name().equals(KerasArchive.CONFIG)
                ? new ZipBytes.Entry(e.name(), spaces, true, ZipBytes.REGULAR)
                : e);
        Path p = archive("huge.keras", entries);
        refused(p, p + ": entry 'config.json' declares 17825792 bytes, more than the limit maxConfigBytes (16777216)");
    }

    @Test
    void entryThatInflatesBeyondItsDeclaredSizeIsRefused() throws IOException {
        List<ZipBytes.Entry> entries = new ArrayList<>(real());
        entries.replaceAll(e -> new ZipBytes.Entry(e.name(), e.data(), true, ZipBytes.REGULAR));
        Path p = archive("bomb.keras", entries);
        byte[] bytes = Files.readAllBytes(p);
        // The central directory's record of config.json: its uncompressed size now claims 100 bytes.
        int name = lastIndexOf(bytes, bytes(KerasArchive.CONFIG));
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(name - 46 + 24, 100);
        Files.write(p, bytes);
        refused(p, p + ": entry 'config.json' inflates to more than its declared 100 bytes");
    }

    @Test
    void entryThatInflatesToLessThanItsDeclaredSizeIsRefused() throws IOException {
        List<ZipBytes.Entry> entries = new ArrayList<>(real());
        entries.replaceAll(e -> new ZipBytes.Entry(e.name(), e.data(), true, ZipBytes.REGULAR));
        Path p = archive("short.keras", entries);
        byte[] bytes = Files.readAllBytes(p);
        int name = lastIndexOf(bytes, bytes(KerasArchive.CONFIG));
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(name - 46 + 24, 100_000);
        Files.write(p, bytes);
        refused(p, p + ": entry 'config.json' ends before its declared 100000 bytes");
    }

    @Test
    void weightsEntryLargerThanMaxFileBytesIsRefused() throws IOException {
        // Trailing zeros after the HDF5 data deflate to almost nothing, so only the entry exceeds the limit.
        List<ZipBytes.Entry> entries = new ArrayList<>(real());
        entries.replaceAll(e -> new ZipBytes.Entry(
                e.name(),
                e.name().equals(KerasArchive.WEIGHTS) ? Arrays.copyOf(e.data(), 1 << 20) : e.data(),
                true,
                ZipBytes.REGULAR));
        Path p = archive("big-weights.keras", entries);
        assertThatThrownBy(() -> KerasModels.load(p, LoadLimits.DEFAULTS.withMaxFileBytes(100_000)))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(p + ": entry 'model.weights.h5' declares 1048576 bytes, more than the limit maxFileBytes"
                        + " (100000)");
    }

    private static void refused(Path p, String message) {
        assertThatThrownBy(() -> KerasModels.load(p))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(message);
    }

    private static List<ZipBytes.Entry> real() {
        return ZipBytes.entriesOf(KERAS3.file("keras").orElseThrow());
    }

    private Path withExtra(String name, ZipBytes.Entry extra) throws IOException {
        List<ZipBytes.Entry> entries = new ArrayList<>(real());
        entries.add(extra);
        return archive(name, entries);
    }

    private Path archive(String name, List<ZipBytes.Entry> entries) throws IOException {
        return Files.write(tmp.resolve(name), ZipBytes.write(entries));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new IllegalStateException("not found");
    }

    private static int lastIndexOf(byte[] hay, byte[] needle) {
        for (int i = hay.length - needle.length; i >= 0; i--) {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new IllegalStateException("not found");
    }
}
