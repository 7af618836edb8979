package io.flinkrnn.sql;

import io.flinkrnn.operators.ModelSource;
import io.flinkrnn.operators.RnnOptions;
import io.flinkrnn.operators.internal.RnnSettings;
import io.flinkrnn.operators.internal.model.ModelLoader;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.configuration.Configuration;

/**
 * The model a SQL call names and how it is served: RNN_INFER's {@code model}, {@code store}, {@code
 * version}, {@code mode} and {@code window} arguments, or a {@code CREATE MODEL}'s options. A
 * structured type with public fields, because RNN_INFER keeps it in a key's state while rows wait
 * for the watermark (a timer that fires after a restore has no call arguments to read).
 */
public class ModelRef implements Serializable {

    /** The model file, or the model's name in {@link #store}. */
    public String model;

    /** A model store URI, or {@code null} for a file. */
    public String store;

    /** A store version ({@code null}: the newest) or, for a file, the label outputs carry. */
    public String version;

    /** {@code auto}, {@code stateful} or {@code window}; {@code null} is {@code auto}. */
    public String mode;

    /** The window length N, or {@code null} for the model's fixed input length. */
    public Integer window;

    public ModelRef() {}

    ModelRef(String model, String store, String version, String mode, Integer window) {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("no model: name a Keras file (or a model in a store with store => ...)");
        }
        this.model = model;
        this.store = store;
        this.version = version;
        this.mode = mode == null ? "auto" : mode;
        this.window = window;
    }

    ModelSource source() {
        if (store != null) {
            return ModelSource.fromStore(store, model, version);
        }
        ModelSource file = ModelSource.of(Path.of(model));
        return version == null ? file : file.withVersion(version);
    }

    /**
     * Reads the model (once per JVM; {@link ModelLoader} shares the spec) and compiles it for this
     * caller.
     *
     * @throws IllegalArgumentException with one line naming the file, layer or option at fault
     */
    ModelLoader.Loaded load() {
        Map<String, String> options = new HashMap<>();
        options.put(RnnOptions.MODE.key(), mode);
        if (window != null) {
            options.put(RnnOptions.WINDOW.key(), Integer.toString(window));
        }
        return ModelLoader.load(source(), RnnSettings.from(source(), Configuration.fromMap(options)));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelRef r
                && Objects.equals(model, r.model)
                && Objects.equals(store, r.store)
                && Objects.equals(version, r.version)
                && Objects.equals(mode, r.mode)
                && Objects.equals(window, r.window);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, store, version, mode, window);
    }

    @Override
    public String toString() {
        return (store == null ? model : store + "#" + model) + "@" + version + " " + mode
                + (window == null ? "" : "(" + window + ")");
    }
}
