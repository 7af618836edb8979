package io.flinkrnn.jobs.run;

import io.flinkrnn.jobs.cli.LocalClusterOptions;
import io.flinkrnn.jobs.cli.ModelFile;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code flink-rnn run}: the Kafka job. Settings come from {@code --config} (YAML or properties),
 * then {@code -D key=value}, then the named flags, each layer overriding the one before.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        modelTransformer = RunFlag.Options.class,
        description = {
            "Serves a Keras model on a Kafka topic: events in, predictions out exactly once, bad events to a",
            "dead-letter topic. Every flag is also a config key (shown in brackets) for --config or -D."
        })
public final class RunCommand implements Callable<Integer> {

    @Option(names = "--config", description = "YAML (.yaml/.yml) or .properties file of config keys.")
    Path config;

    @Option(
            names = "-D",
            paramLabel = "KEY=VALUE",
            description = "Any config key, e.g. -D restart-strategy.type=fixed-delay.")
    Map<String, String> dynamic = new LinkedHashMap<>();

    /** Optional here: the model may come from the config file or a model store instead. */
    @ArgGroup(exclusive = false)
    ModelFile modelFile;

    /** Web UI and Prometheus endpoint when the job runs on the embedded MiniCluster (java -jar). */
    @Mixin
    LocalClusterOptions cluster;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        RunConfig run = RunConfig.of(settings());
        StreamExecutionEnvironment env = KafkaRnnJob.environment(
                run, cluster.configuration(spec.commandLine().getOut()));
        KafkaRnnJob.build(env, run);
        env.execute(run.flink().get(PipelineOptions.NAME));
        return 0;
    }

    /** The file, then -D, then the flags; unknown keys are reported with where they were written. */
    Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        if (config != null) {
            Map<String, String> file = ConfigFile.read(config);
            RunConfig.requireKnown(file, config.toString());
            settings.putAll(file);
        }
        RunConfig.requireKnown(dynamic, "-D");
        settings.putAll(dynamic);
        if (modelFile != null) {
            put(settings, RunOptions.MODEL, modelFile.model());
            put(settings, RunOptions.WEIGHTS, modelFile.weights());
        }
        for (RunFlag flag : RunFlag.ALL) {
            put(settings, flag.option(), spec.findOption(flag.name()).getValue());
        }
        settings.putIfAbsent(PipelineOptions.NAME.key(), "flink-rnn run");
        return settings;
    }

    private static void put(Map<String, String> settings, ConfigOption<?> option, Object flag) {
        if (flag != null) {
            settings.put(option.key(), flag.toString());
        }
    }
}
