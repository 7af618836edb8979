package io.flinkrnn.jobs.cli;

import io.flinkrnn.operators.ModelSource;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --model} and {@code --weights}: the same two options, with the same help, on every command
 * that reads a Keras model (a mixin, or an argument group where the model is optional).
 */
public class ModelFile {

    @Option(
            names = "--model",
            required = true,
            paramLabel = "PATH",
            description = "Keras .h5 full model, .keras archive, or JSON config (then --weights).")
    Path model;

    @Option(
            names = "--weights",
            paramLabel = "PATH",
            description = "Weights .h5 for a JSON config (model.save_weights).")
    Path weights;

    public Path model() {
        return model;
    }

    /** The weights file, or {@code null} for a single-file model. */
    public Path weights() {
        return weights;
    }

    /** The model as the operator reads it. */
    public ModelSource source() {
        return weights == null ? ModelSource.of(model) : ModelSource.of(model, weights);
    }
}
