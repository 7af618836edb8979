package io.flinkrnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.model.spec.KerasVersion;

/**
 * A Keras 3 {@code .keras} archive: a zip of {@code config.json}, {@code metadata.json} and {@code
 * model.weights.h5}, read in memory by those names through {@link ZipArchive}, which refuses hostile
 * entries and bounds every entry by its {@link LoadLimits} before inflating it.
 *
 * @param weights the bytes of {@code model.weights.h5}
 */
record KerasArchive(JsonNode config, KerasVersion version, byte[] weights) {

    static final String CONFIG = "config.json";
    static final String METADATA = "metadata.json";
    static final String WEIGHTS = "model.weights.h5";

    static KerasArchive open(byte[] file, String display, LoadLimits limits) {
        ZipArchive zip = ZipArchive.of(file, display);
        JsonNode metadata = Json.parse(config(zip, METADATA, display, limits), display + " (" + METADATA + ")", limits);
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
        JsonNode config = Json.parse(config(zip, CONFIG, display, limits), display + " (" + CONFIG + ")", limits);
        require(zip, WEIGHTS, display);
        return new KerasArchive(config, kerasVersion, zip.read(WEIGHTS, "maxFileBytes", limits.maxFileBytes()));
    }

    private static byte[] config(ZipArchive zip, String name, String display, LoadLimits limits) {
        require(zip, name, display);
        return zip.read(name, "maxConfigBytes", limits.maxConfigBytes());
    }

    private static void require(ZipArchive zip, String name, String display) {
        if (!zip.has(name)) {
            String why = name.equals(WEIGHTS) && zip.has("model.weights.npz")
                    ? " (its weights are in model.weights.npz, which is not supported)"
                    : name.equals(WEIGHTS) && zip.has("model.weights.json")
                            ? " (its weights are sharded, which is not supported)"
                            : ": not a Keras 3 .keras archive";
            throw new ModelLoadException(display + ": has no " + name + why);
        }
    }
}
