package io.flinkrnn.jobs.run;

import io.flinkrnn.operators.RnnOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.description.TextElement;
import org.apache.flink.util.TimeUtils;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A flag of {@code flink-rnn run} and the config key it sets: the one place each pair is written.
 * The flag's help is the key in brackets and the option's own description, unless the option is
 * Flink's (whose descriptions are pages long) and a line is given here.
 *
 * @param help the help line, or {@code null} for the option's description
 */
record RunFlag(String name, ConfigOption<?> option, String help) {

    /** Every flag but the shared {@code --model} and {@code --weights}, in the order {@code run --help} lists them. */
    static final List<RunFlag> ALL = List.of(
            of("--model-version", RunOptions.MODEL_VERSION),
            of("--model-store", RunOptions.MODEL_STORE),
            of("--model-name", RunOptions.MODEL_NAME),
            of("--mode", RnnOptions.MODE),
            of("--window", RnnOptions.WINDOW),
            of("--bootstrap-servers", RunOptions.BOOTSTRAP_SERVERS),
            of("--topic", RunOptions.TOPIC),
            of("--output-topic", RunOptions.OUTPUT_TOPIC),
            of("--dead-letter-topic", RunOptions.DEAD_LETTER_TOPIC),
            of("--group-id", RunOptions.GROUP_ID),
            of("--starting-offsets", RunOptions.STARTING_OFFSETS),
            of("--transactional-id-prefix", RunOptions.TRANSACTIONAL_ID_PREFIX),
            of("--output-timestamp", RunOptions.OUTPUT_TIMESTAMP),
            of("--format", RunOptions.FORMAT),
            of("--bundle-size", RnnOptions.BUNDLE_MAX_EVENTS),
            of("--bundle-delay", RnnOptions.BUNDLE_MAX_DELAY),
            of("--state-precision", RnnOptions.STATE_PRECISION),
            new RunFlag("--checkpoint-interval", CheckpointingOptions.CHECKPOINTING_INTERVAL, "e.g. 10s. Default 10s."),
            new RunFlag("--checkpoint-dir", CheckpointingOptions.CHECKPOINTS_DIRECTORY, "e.g. file:///checkpoints."),
            new RunFlag("--from-checkpoint", StateRecoveryOptions.SAVEPOINT_PATH, "A retained chk-N or a savepoint."),
            new RunFlag("--state-backend", StateBackendOptions.STATE_BACKEND, "rocksdb or hashmap. Default rocksdb."),
            new RunFlag("--parallelism", CoreOptions.DEFAULT_PARALLELISM, "Parallelism of the job."));

    private static RunFlag of(String name, ConfigOption<?> option) {
        return new RunFlag(name, option, null);
    }

    /** {@code [key] help}, with the option's default where it has one. */
    String description() {
        if (help != null) {
            return "[" + option.key() + "] " + help;
        }
        String text = option.description().getBlocks().stream()
                .map(b -> b instanceof TextElement t ? t.getFormat() : "")
                .reduce("", String::concat);
        return "[" + option.key() + "] " + text
                + (option.hasDefaultValue() ? " Default: " + shown(option.defaultValue()) + "." : "");
    }

    private static String shown(Object value) {
        if (value instanceof Enum<?> e) {
            return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
        return value instanceof Duration d ? TimeUtils.formatWithHighestUnit(d) : String.valueOf(value);
    }

    /**
     * Adds {@link #ALL} to {@code run}'s options, which {@code RunCommand.settings()} reads back by
     * name, and names the keys of the shared {@code --model} and {@code --weights}.
     */
    static final class Options implements IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec run) {
            List<String> description =
                    new ArrayList<>(List.of(run.usageMessage().description()));
            description.add(
                    "--model and --weights set [" + RunOptions.MODEL.key() + "] and [" + RunOptions.WEIGHTS.key()
                            + "]; or serve a model from a store with --model-store and --model-name.");
            run.usageMessage().description(description.toArray(String[]::new));
            for (RunFlag flag : ALL) {
                run.addOption(OptionSpec.builder(flag.name())
                        .type(String.class)
                        .paramLabel("<" + flag.name().substring(2) + ">")
                        .description(flag.description())
                        .build());
            }
            return run;
        }
    }
}
