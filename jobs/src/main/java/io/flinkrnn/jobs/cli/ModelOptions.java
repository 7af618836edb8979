package io.flinkrnn.jobs.cli;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.engine.Mode;
import io.flinkrnn.model.KerasModels;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.operators.EngineModes;
import io.flinkrnn.operators.ModelSource;
import io.flinkrnn.operators.RnnInference;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/** The model options shared by the commands: which file, and how to stream it. */
public final class ModelOptions {

    @Option(names = "--model", required = true, description = "Keras .h5 full model, .keras archive, or JSON config.")
    Path model;

    @Option(names = "--weights", description = "Weights .h5 for a JSON config (model.save_weights).")
    Path weights;

    @Option(
            names = "--mode",
            description = "auto, stateful or window (docs/SEMANTICS.md section 2). Default: ${DEFAULT-VALUE}.")
    String mode = "auto";

    @Option(
            names = "--window",
            description = "Window length N for window mode (default: the model's fixed input length).")
    Integer window;

    private ModelSpec spec;

    public ModelSpec spec() {
        if (spec == null) {
            spec = weights == null ? KerasModels.load(model) : KerasModels.load(model, weights);
        }
        return spec;
    }

    public Mode engineMode() {
        return EngineModes.of(mode, window, spec());
    }

    public InferenceModel compile() {
        return InferenceModel.compile(spec(), engineMode());
    }

    /** The operator builder for the same model and mode, for commands that run a Flink job. */
    public RnnInference inference() {
        ModelSource source = weights == null ? ModelSource.of(model) : ModelSource.of(model, weights);
        RnnInference inference = RnnInference.forModel(source).mode(mode.toLowerCase(Locale.ROOT));
        return window == null ? inference : inference.window(window);
    }
}
