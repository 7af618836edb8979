package io.flinkrnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.model.spec.KerasVersion;
import io.flinkrnn.model.spec.ModelSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads Keras models into a {@link ModelSpec}: Keras 3 {@code .keras} archives, full-model {@code .h5}
 * files of Keras 1, 2 and 3, and a JSON config ({@code model.to_json()}) with a weights file (Keras 2
 * {@code save_weights} {@code .h5} or Keras 3 {@code .weights.h5}). Formats are told apart by content.
 * Every failure is a {@link ModelLoadException} with a one-line message naming the file.
 *
 * <p>A file is data, never code: Lambda layers, custom classes and custom activations are refused
 * wherever they appear, and every size a file declares is checked against {@link LoadLimits} before
 * anything is allocated for it. Files are read whole into memory and nothing is written to disk.
 */
public final class KerasModels {

    private KerasModels() {}

    /** A {@code .keras} archive or a full-model {@code .h5} file, within the default limits. */
    public static ModelSpec load(Path model) {
        return load(model, LoadLimits.DEFAULTS);
    }

    /** A {@code .keras} archive or a full-model {@code .h5} file. */
    public static ModelSpec load(Path model, LoadLimits limits) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(limits, "limits");
        String display = model.toString();
        return switch (FileKind.of(model, display)) {
            case ZIP -> fromArchive(read(model, display, "maxFileBytes", limits.maxFileBytes()), display, limits);
            case HDF5 -> fromFullH5(read(model, display, "maxFileBytes", limits.maxFileBytes()), display, limits);
            case JSON -> throw new ModelLoadException(
                    display + ": is a JSON model config without weights; load it" + " together with its weights file");
        };
    }

    /** A JSON config and its weights, within the default limits. */
    public static ModelSpec load(Path jsonConfig, Path weights) {
        return load(jsonConfig, weights, LoadLimits.DEFAULTS);
    }

    /** A JSON config from {@code model.to_json()} and the weights saved from the same model. */
    public static ModelSpec load(Path jsonConfig, Path weights, LoadLimits limits) {
        Objects.requireNonNull(jsonConfig, "jsonConfig");
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(limits, "limits");
        String configName = jsonConfig.toString();
        String weightsName = weights.toString();
        if (FileKind.of(jsonConfig, configName) != FileKind.JSON) {
            throw new ModelLoadException(configName + ": is not a JSON model config");
        }
        if (FileKind.of(weights, weightsName) != FileKind.HDF5) {
            throw new ModelLoadException(weightsName + ": is not an HDF5 weights file");
        }
        JsonNode config =
                Json.parse(read(jsonConfig, configName, "maxConfigBytes", limits.maxConfigBytes()), configName, limits);
        try (H5File h5 =
                H5File.open(read(weights, weightsName, "maxFileBytes", limits.maxFileBytes()), weightsName, limits)) {
            boolean keras3Layout = h5.isGroup("layers") || h5.isGroup("vars");
            String legacyRoot = h5.isGroup("model_weights") ? "model_weights" : "";
            KerasVersion version = jsonVersion(config, configName)
                    .or(() -> h5.stringAttribute(legacyRoot, "keras_version").map(v -> parse(v, weightsName)))
                    .orElseGet(() -> keras3Layout ? new KerasVersion(3, "3") : keras1());
            LoadContext ctx = new LoadContext(configName + " with " + weightsName, version, limits);
            return ModelBuilder.build(
                    ctx,
                    config,
                    chain -> keras3Layout ? new Keras3Weights(h5, chain) : new LegacyH5Weights(h5, legacyRoot));
        }
    }

    private static ModelSpec fromArchive(byte[] file, String display, LoadLimits limits) {
        KerasArchive archive = KerasArchive.open(file, display, limits);
        try (H5File h5 = H5File.open(archive.weights(), display + " (" + KerasArchive.WEIGHTS + ")", limits)) {
            LoadContext ctx = new LoadContext(display, archive.version(), limits);
            return ModelBuilder.build(ctx, archive.config(), chain -> new Keras3Weights(h5, chain));
        }
    }

    private static ModelSpec fromFullH5(byte[] file, String display, LoadLimits limits) {
        try (H5File h5 = H5File.open(file, display, limits)) {
            Optional<String> modelConfig = h5.stringAttribute("", "model_config");
            if (modelConfig.isEmpty()) {
                boolean weightsOnly = h5.isGroup("layers")
                        || h5.stringsAttribute("", "layer_names").isPresent();
                throw new ModelLoadException(display
                        + (weightsOnly
                                ? ": holds only weights, no model config; load it together with its JSON config"
                                : ": is an HDF5 file but not a Keras model (no 'model_config' attribute)"));
            }
            // Keras 2's own loader reads a file without keras_version as written by Keras 1.
            KerasVersion version = h5.stringAttribute("", "keras_version")
                    .map(v -> parse(v, display))
                    .orElseGet(KerasModels::keras1);
            if (!h5.isGroup("model_weights")) {
                throw new ModelLoadException(display + ": has a model config but no 'model_weights' group");
            }
            LoadContext ctx = new LoadContext(display, version, limits);
            JsonNode config =
                    Json.parse(modelConfig.get().getBytes(StandardCharsets.UTF_8), display + " (model_config)", limits);
            return ModelBuilder.build(ctx, config, chain -> new LegacyH5Weights(h5, "model_weights"));
        }
    }

    /** A whole file; reading stops one byte past the limit, however large the file is or grows. */
    private static byte[] read(Path file, String display, String limitName, long limit) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes((int) limit + 1);
            if (bytes.length > limit) {
                throw new ModelLoadException(display + ": is larger than " + LoadLimits.limit(limitName, limit));
            }
            return bytes;
        } catch (IOException e) {
            throw new ModelLoadException(display + ": cannot be read (" + H5File.reason(e) + ")", e);
        }
    }

    /** Keras 1 and 2 write {@code keras_version} into {@code to_json()}; Keras 3 does not. */
    private static Optional<KerasVersion> jsonVersion(JsonNode config, String display) {
        JsonNode v = config.get("keras_version");
        return v != null && v.isTextual() ? Optional.of(parse(v.asText(), display)) : Optional.empty();
    }

    private static KerasVersion parse(String version, String display) {
        try {
            return KerasVersion.parse(version);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(display + ": " + e.getMessage());
        }
    }

    private static KerasVersion keras1() {
        return new KerasVersion(1, "1.x");
    }
}
