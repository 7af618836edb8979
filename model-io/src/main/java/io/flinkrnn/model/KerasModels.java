package io.flinkrnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.model.spec.KerasVersion;
import io.flinkrnn.model.spec.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads Keras models into a {@link ModelSpec}: Keras 3 {@code .keras} archives, full-model {@code .h5}
 * files of Keras 1, 2 and 3, and a JSON config ({@code model.to_json()}) with a weights file (Keras 2
 * {@code save_weights} {@code .h5} or Keras 3 {@code .weights.h5}). Formats are told apart by content.
 * Every failure is a {@link ModelLoadException} with a one-line message naming the file.
 */
public final class KerasModels {

    private KerasModels() {}

    /** A {@code .keras} archive or a full-model {@code .h5} file. */
    public static ModelSpec load(Path model) {
        Objects.requireNonNull(model, "model");
        String display = model.toString();
        return switch (FileKind.of(model, display)) {
            case ZIP -> fromArchive(model, display);
            case HDF5 -> fromFullH5(model, display);
            case JSON -> throw new ModelLoadException(
                    display + ": is a JSON model config without weights; load it" + " together with its weights file");
        };
    }

    /** A JSON config from {@code model.to_json()} and the weights saved from the same model. */
    public static ModelSpec load(Path jsonConfig, Path weights) {
        Objects.requireNonNull(jsonConfig, "jsonConfig");
        Objects.requireNonNull(weights, "weights");
        String configName = jsonConfig.toString();
        String weightsName = weights.toString();
        if (FileKind.of(jsonConfig, configName) != FileKind.JSON) {
            throw new ModelLoadException(configName + ": is not a JSON model config");
        }
        if (FileKind.of(weights, weightsName) != FileKind.HDF5) {
            throw new ModelLoadException(weightsName + ": is not an HDF5 weights file");
        }
        JsonNode config = Json.parse(readConfig(jsonConfig, configName), configName);
        try (H5File h5 = H5File.open(weights, weightsName, null)) {
            boolean keras3Layout = h5.isGroup("layers") || h5.isGroup("vars");
            String legacyRoot = h5.isGroup("model_weights") ? "model_weights" : "";
            KerasVersion version = jsonVersion(config, configName)
                    .or(() -> h5.stringAttribute(legacyRoot, "keras_version").map(v -> parse(v, weightsName)))
                    .orElseGet(() -> keras3Layout ? new KerasVersion(3, "3") : keras1());
            LoadContext ctx = new LoadContext(configName + " with " + weightsName, version);
            return ModelBuilder.build(
                    ctx,
                    config,
                    chain -> keras3Layout ? new Keras3Weights(h5, chain) : new LegacyH5Weights(h5, legacyRoot));
        }
    }

    private static ModelSpec fromArchive(Path file, String display) {
        KerasArchive archive = KerasArchive.open(file, display);
        try (H5File h5 =
                H5File.open(archive.weights(), display + " (" + KerasArchive.WEIGHTS + ")", archive.weights())) {
            LoadContext ctx = new LoadContext(display, archive.version());
            return ModelBuilder.build(ctx, archive.config(), chain -> new Keras3Weights(h5, chain));
        }
    }

    private static ModelSpec fromFullH5(Path file, String display) {
        try (H5File h5 = H5File.open(file, display, null)) {
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
            LoadContext ctx = new LoadContext(display, version);
            JsonNode config = Json.parse(
                    modelConfig.get().getBytes(java.nio.charset.StandardCharsets.UTF_8), display + " (model_config)");
            return ModelBuilder.build(ctx, config, chain -> new LegacyH5Weights(h5, "model_weights"));
        }
    }

    private static byte[] readConfig(Path json, String display) {
        try {
            if (Files.size(json) > Json.MAX_CONFIG_CHARS) {
                throw new ModelLoadException(
                        display + ": is larger than the limit of " + Json.MAX_CONFIG_CHARS + " bytes for a config");
            }
            return Files.readAllBytes(json);
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
