package io.flinkrnn.jobs.run;

import io.flinkrnn.jobs.cli.LocalClusterOptions;
import io.flinkrnn.operators.RnnOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
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

    @Option(names = "--model", description = "[flink-rnn.model.path] Keras .h5/.keras file or JSON config.")
    String model;

    @Option(names = "--weights", description = "[flink-rnn.model.weights] Weights .h5 for a JSON config.")
    String weights;

    @Option(
            names = "--model-version",
            description = "[flink-rnn.model.version] Label in every output (default the file name); with a store,"
                    + " the version to serve (default latest).")
    String modelVersion;

    @Option(names = "--model-store", description = "[flink-rnn.model.store] Model store root URI.")
    String modelStore;

    @Option(names = "--model-name", description = "[flink-rnn.model.name] Model name in the store.")
    String modelName;

    @Option(names = "--mode", description = "[flink-rnn.mode] auto, stateful or window. Default auto.")
    String mode;

    @Option(names = "--window", description = "[flink-rnn.window] Window length N for window mode.")
    String window;

    @Option(names = "--bootstrap-servers", description = "[flink-rnn.kafka.bootstrap-servers] host:port,...")
    String bootstrapServers;

    @Option(names = "--topic", description = "[flink-rnn.kafka.topic] Topic of the events.")
    String topic;

    @Option(names = "--output-topic", description = "[flink-rnn.kafka.output-topic] Topic of the predictions.")
    String outputTopic;

    @Option(names = "--dead-letter-topic", description = "[flink-rnn.kafka.dead-letter-topic] Topic of the rejects.")
    String deadLetterTopic;

    @Option(names = "--group-id", description = "[flink-rnn.kafka.group-id] Consumer group. Default flink-rnn.")
    String groupId;

    @Option(
            names = "--starting-offsets",
            description = "[flink-rnn.kafka.starting-offsets] earliest, latest, committed or timestamp:MILLIS.")
    String startingOffsets;

    @Option(
            names = "--transactional-id-prefix",
            description = "[flink-rnn.kafka.transactional-id-prefix] Unique per job.")
    String transactionalIdPrefix;

    @Option(
            names = "--output-timestamp",
            description = "[flink-rnn.kafka.output-timestamp] Kafka timestamp of the predictions: input-record,"
                    + " processing-time or event (ts in epoch ms). Default input-record.")
    String outputTimestamp;

    @Option(names = "--format", description = "[flink-rnn.input.format] json or csv. Default json.")
    String format;

    @Option(names = "--bundle-size", description = "[flink-rnn.bundle.max-events] Events per batched engine step.")
    String bundleSize;

    @Option(names = "--bundle-delay", description = "[flink-rnn.bundle.max-delay] Longest wait in a bundle, e.g. 20ms.")
    String bundleDelay;

    @Option(names = "--checkpoint-interval", description = "[execution.checkpointing.interval] e.g. 10s. Default 10s.")
    String checkpointInterval;

    @Option(names = "--checkpoint-dir", description = "[execution.checkpointing.dir] e.g. file:///checkpoints.")
    String checkpointDir;

    @Option(
            names = "--from-checkpoint",
            description = "[execution.state-recovery.path] A retained chk-N or a savepoint.")
    String fromCheckpoint;

    @Option(names = "--state-backend", description = "[state.backend.type] rocksdb or hashmap. Default rocksdb.")
    String stateBackend;

    @Option(names = "--parallelism", description = "[parallelism.default] Parallelism of the job.")
    String parallelism;

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
        put(settings, RunOptions.MODEL, model);
        put(settings, RunOptions.WEIGHTS, weights);
        put(settings, RunOptions.MODEL_VERSION, modelVersion);
        put(settings, RunOptions.MODEL_STORE, modelStore);
        put(settings, RunOptions.MODEL_NAME, modelName);
        put(settings, RnnOptions.MODE, mode);
        put(settings, RnnOptions.WINDOW, window);
        put(settings, RunOptions.BOOTSTRAP_SERVERS, bootstrapServers);
        put(settings, RunOptions.TOPIC, topic);
        put(settings, RunOptions.OUTPUT_TOPIC, outputTopic);
        put(settings, RunOptions.DEAD_LETTER_TOPIC, deadLetterTopic);
        put(settings, RunOptions.GROUP_ID, groupId);
        put(settings, RunOptions.STARTING_OFFSETS, startingOffsets);
        put(settings, RunOptions.TRANSACTIONAL_ID_PREFIX, transactionalIdPrefix);
        put(settings, RunOptions.OUTPUT_TIMESTAMP, outputTimestamp);
        put(settings, RunOptions.FORMAT, format);
        put(settings, RnnOptions.BUNDLE_MAX_EVENTS, bundleSize);
        put(settings, RnnOptions.BUNDLE_MAX_DELAY, bundleDelay);
        put(settings, CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
        put(settings, CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir);
        put(settings, StateRecoveryOptions.SAVEPOINT_PATH, fromCheckpoint);
        put(settings, StateBackendOptions.STATE_BACKEND, stateBackend);
        put(settings, CoreOptions.DEFAULT_PARALLELISM, parallelism);
        settings.putIfAbsent(PipelineOptions.NAME.key(), "flink-rnn run");
        return settings;
    }

    private static void put(Map<String, String> settings, ConfigOption<?> option, String flag) {
        if (flag != null) {
            settings.put(option.key(), flag);
        }
    }
}
