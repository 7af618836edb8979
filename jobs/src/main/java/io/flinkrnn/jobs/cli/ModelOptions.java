package io.flinkrnn.jobs.cli;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.engine.Mode;
import io.flinkrnn.model.KerasModels;
import io.flinkrnn.model.LoadLimits;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.operators.RnnInference;
import io.flinkrnn.operators.RnnOptions;
import io.flinkrnn.operators.internal.model.EngineModes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Option;

/** The model options shared by the commands: which file ({@link ModelFile}), how to read it, and how to stream it. */
public final class ModelOptions extends ModelFile {

    private static final String LIMITS_PREFIX = "flink-rnn.model.limits.";

    /** The keys of {@link RnnOptions}' loader limits, which {@code --limit} names without the prefix. */
    private static final List<String> LIMIT_KEYS = List.of(
            RnnOptions.MAX_FILE_SIZE.key(),
            RnnOptions.MAX_CONFIG_SIZE.key(),
            RnnOptions.MAX_JSON_DEPTH.key(),
            RnnOptions.MAX_LAYERS.key(),
            RnnOptions.MAX_TENSOR_ELEMENTS.key());

    @Option(
            names = "--mode",
            description = "auto, stateful or window (docs/SEMANTICS.md section 2). Default: ${DEFAULT-VALUE}.")
    String mode = "auto";

    @Option(
            names = "--window",
            description = "Window length N for window mode (default: the model's fixed input length).")
    Integer window;

    @Option(
            names = "--limit",
            paramLabel = "NAME=VALUE",
            description = "A loader limit (docs: README Security), e.g. --limit max-file-size=2gb; names: "
                    + "max-file-size, max-config-size, max-json-depth, max-layers, max-tensor-elements.")
    Map<String, String> limits = new LinkedHashMap<>();

    private ModelSpec spec;

    public ModelSpec spec() {
        if (spec == null) {
            LoadLimits loadLimits = RnnOptions.loadLimits(limitOptions());
            spec = weights == null ? KerasModels.load(model, loadLimits) : KerasModels.load(model, weights, loadLimits);
        }
        return spec;
    }

    /** The {@code --limit} values as the job's {@code flink-rnn.model.limits.*} options. */
    private Configuration limitOptions() {
        Map<String, String> options = new LinkedHashMap<>();
        limits.forEach((name, value) -> {
            if (!LIMIT_KEYS.contains(LIMITS_PREFIX + name)) {
                throw new IllegalArgumentException("unknown --limit '" + name + "' (one of "
                        + String.join(
                                ", ",
                                LIMIT_KEYS.stream()
                                        .map(k -> k.substring(LIMITS_PREFIX.length()))
                                        .toList())
                        + ")");
            }
            options.put(LIMITS_PREFIX + name, value);
        });
        return Configuration.fromMap(options);
    }

    public Mode engineMode() {
        return EngineModes.of(mode, window, spec());
    }

    public InferenceModel compile() {
        return InferenceModel.compile(spec(), engineMode());
    }

    /** The operator builder for the same model and mode, for commands that run a Flink job. */
    public RnnInference inference() {
        RnnInference inference =
                RnnInference.forModel(source()).configure(limitOptions()).mode(mode);
        return window == null ? inference : inference.window(window);
    }
}
