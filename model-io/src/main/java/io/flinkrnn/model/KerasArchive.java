package io.flinkrnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.model.spec.KerasVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A Keras 3 {@code .keras} archive: a zip of {@code config.json}, {@code metadata.json} and {@code
 * model.weights.h5}. Entries are looked up by those fixed names and read as streams, never extracted
 * to paths taken from the archive (no zip slip). Sizes are counted while inflating, since an entry's
 * declared size is whatever the archive says: a compression bomb stops at the limit.
 *
 * @param weights a temporary copy of {@code model.weights.h5} that we created, because jhdf reads
 *     HDF5 from a file or one in-memory buffer, and the weights may be up to {@link #WEIGHTS_LIMIT}
 */
record KerasArchive(JsonNode config, KerasVersion version, Path weights) {

    static final long CONFIG_LIMIT = 16L << 20;
    static final long METADATA_LIMIT = 1L << 20;
    static final long WEIGHTS_LIMIT = 2L << 30;

    static final String CONFIG = "config.json";
    static final String METADATA = "metadata.json";
    static final String WEIGHTS = "model.weights.h5";

    static KerasArchive open(Path file, String display) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            JsonNode metadata =
                    Json.parse(read(zip, METADATA, METADATA_LIMIT, display), display + " (" + METADATA + ")");
            JsonNode version = metadata.get("keras_version");
            if (version == null || !version.isTextual()) {
                throw new ModelLoadException(display + " (" + METADATA + "): has no 'keras_version'");
            }
            KerasVersion kerasVersion;
            try {
                kerasVersion = KerasVersion.parse(version.asText());
            } catch (IllegalArgumentException e) {
                throw new ModelLoadException(display + " (" + METADATA + "): " + e.getMessage());
            }
            JsonNode config = Json.parse(read(zip, CONFIG, CONFIG_LIMIT, display), display + " (" + CONFIG + ")");
            return new KerasArchive(config, kerasVersion, copyWeights(zip, display));
        } catch (ZipException e) {
            throw new ModelLoadException(display + ": not a readable zip archive (" + H5File.reason(e) + ")", e);
        } catch (IOException e) {
            throw new ModelLoadException(display + ": cannot be read (" + H5File.reason(e) + ")", e);
        }
    }

    private static ZipEntry entry(ZipFile zip, String name, String display) {
        ZipEntry e = zip.getEntry(name);
        if (e == null || e.isDirectory()) {
            String why = zip.getEntry("model.weights.npz") != null && name.equals(WEIGHTS)
                    ? " (its weights are in model.weights.npz, which is not supported)"
                    : zip.getEntry("model.weights.json") != null && name.equals(WEIGHTS)
                            ? " (its weights are sharded, which is not supported)"
                            : ": not a Keras 3 .keras archive";
            throw new ModelLoadException(display + ": has no " + name + why);
        }
        return e;
    }

    private static byte[] read(ZipFile zip, String name, long limit, String display) throws IOException {
        ZipEntry e = entry(zip, name, display);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = zip.getInputStream(e)) {
            copy(in, out, limit, display, name);
        }
        return out.toByteArray();
    }

    private static Path copyWeights(ZipFile zip, String display) throws IOException {
        ZipEntry e = entry(zip, WEIGHTS, display);
        Path tmp = Files.createTempFile("flink-rnn-", ".weights.h5");
        boolean done = false;
        try (InputStream in = zip.getInputStream(e);
                OutputStream out = Files.newOutputStream(tmp)) {
            copy(in, out, WEIGHTS_LIMIT, display, WEIGHTS);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
        return tmp;
    }

    private static void copy(InputStream in, OutputStream out, long limit, String display, String name)
            throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            total += n;
            if (total > limit) {
                throw new ModelLoadException(
                        display + ": entry " + name + " is larger than the limit of " + limit + " bytes");
            }
            out.write(buf, 0, n);
        }
    }
}
