package io.flinkrnn.operators;

import io.flinkrnn.model.LoadLimits;
import java.io.Serializable;
import java.nio.file.Path;

/**
 * Where the operator finds its Keras model: a {@code .h5}/{@code .keras} file or a JSON config with a
 * weights file, or a version in a {@link io.flinkrnn.operators.store.ModelStore}. Only names travel
 * with the job graph; weights are read on the TaskManager.
 *
 * @param weights the weights file of a JSON config, else {@code null}
 * @param store the store's root URI when the model comes from a store, else {@code null}
 * @param version for a file, the label outputs carry; for a store, the version or {@code latest}
 * @param limits what the files may make the loader allocate ({@code flink-rnn.model.limits.*})
 */
public record ModelSource(String model, String weights, String store, String version, LoadLimits limits)
        implements Serializable {

    public ModelSource {
        if (limits == null) {
            throw new IllegalArgumentException("a model source needs load limits, e.g. LoadLimits.DEFAULTS");
        }
    }

    public static ModelSource of(Path model) {
        return new ModelSource(model.toString(), null, null, model.getFileName().toString(), LoadLimits.DEFAULTS);
    }

    public static ModelSource of(Path jsonConfig, Path weights) {
        return new ModelSource(
                jsonConfig.toString(),
                weights.toString(),
                null,
                jsonConfig.getFileName().toString(),
                LoadLimits.DEFAULTS);
    }

    /** Model {@code name} of the store at {@code storeUri}, in {@code version} or {@code latest}. */
    public static ModelSource fromStore(String storeUri, String name, String version) {
        return new ModelSource(name, null, storeUri, version == null ? "latest" : version, LoadLimits.DEFAULTS);
    }

    public boolean inStore() {
        return store != null;
    }

    public ModelSource withVersion(String newVersion) {
        return new ModelSource(model, weights, store, newVersion, limits);
    }

    public ModelSource withLimits(LoadLimits newLimits) {
        return new ModelSource(model, weights, store, version, newLimits);
    }
}
