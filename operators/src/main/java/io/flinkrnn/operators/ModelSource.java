package io.flinkrnn.operators;

import io.flinkrnn.model.LoadLimits;
import java.io.Serializable;
import java.nio.file.Path;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Where the operator finds its Keras model: a {@code .h5}/{@code .keras} file or a JSON config with a
 * weights file, or a version in a {@link io.flinkrnn.operators.store.ModelStore}. Only names travel
 * with the job graph; weights are read on the TaskManager.
 *
 * @param model the model file, the JSON config, or the model's name in the store
 * @param weights the weights file of a JSON config, else {@code null}
 * @param store the store's root URI when the model comes from a store, else {@code null}
 * @param version for a file, the label outputs carry; for a store, the version or {@code latest}
 * @param limits what the files may make the loader allocate ({@code flink-rnn.model.limits.*})
 * @serial exclude
 */
@PublicEvolving
public record ModelSource(String model, String weights, String store, String version, LoadLimits limits)
        implements Serializable {

    public ModelSource {
        if (limits == null) {
            throw new IllegalArgumentException("a model source needs load limits, e.g. LoadLimits.DEFAULTS");
        }
    }

    /**
     * A single-file model: Keras {@code .h5} (Keras 1, 2 or 3) or {@code .keras}.
     *
     * @param model the file, at a path every TaskManager can read
     * @return the source, whose version label is the file's name
     */
    public static ModelSource of(Path model) {
        return new ModelSource(model.toString(), null, null, model.getFileName().toString(), LoadLimits.DEFAULTS);
    }

    /**
     * A model saved as {@code model.to_json()} and a weights file.
     *
     * @param jsonConfig the JSON config
     * @param weights the weights {@code .h5}
     * @return the source, whose version label is the config file's name
     */
    public static ModelSource of(Path jsonConfig, Path weights) {
        return new ModelSource(
                jsonConfig.toString(),
                weights.toString(),
                null,
                jsonConfig.getFileName().toString(),
                LoadLimits.DEFAULTS);
    }

    /**
     * A model version in a model store (README "Model store and hot swap").
     *
     * @param storeUri the store's root, a path or a URI of a Flink file system
     * @param name the model's name in the store
     * @param version a version, or {@code null} or {@code latest} for the newest
     * @return the source
     */
    public static ModelSource fromStore(String storeUri, String name, String version) {
        return new ModelSource(name, null, storeUri, version == null ? "latest" : version, LoadLimits.DEFAULTS);
    }

    /**
     * Whether the model comes from a store.
     *
     * @return {@code true} for {@link #fromStore(String, String, String)}
     */
    public boolean inStore() {
        return store != null;
    }

    /**
     * The same model under another version.
     *
     * @param newVersion the version (or, for a file, the label outputs carry)
     * @return a new source
     */
    public ModelSource withVersion(String newVersion) {
        return new ModelSource(model, weights, store, newVersion, limits);
    }

    /**
     * The same model read within other loader limits.
     *
     * @param newLimits the limits, e.g. {@code RnnOptions.loadLimits(config)}
     * @return a new source
     */
    public ModelSource withLimits(LoadLimits newLimits) {
        return new ModelSource(model, weights, store, version, newLimits);
    }
}
