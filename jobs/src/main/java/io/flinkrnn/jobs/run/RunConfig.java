package io.flinkrnn.jobs.run;

import io.flinkrnn.operators.ModelSource;
import io.flinkrnn.operators.RnnOptions;
import io.flinkrnn.operators.internal.EnumOptions;
import io.flinkrnn.operators.internal.model.EngineModes;
import io.flinkrnn.operators.state.RocksDbDefaults;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The validated settings of the Kafka job: one Flink {@link Configuration} holding the job's, the
 * operator's and Flink's own keys, with this job's defaults (RocksDB tuned for recurrent state by
 * {@link RocksDbDefaults}, incremental checkpoints kept on cancellation) filled in. Every problem is one line naming the key, found before anything runs.
 */
public final class RunConfig {

    /** Kafka's default {@code max.request.size}, 1 MB. */
    private static final int DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024;

    private final Configuration config;

    private RunConfig(Configuration config) {
        this.config = config;
    }

    /** Throws for the first key no option class knows; {@code source} names where it came from. */
    public static void requireKnown(Map<String, String> settings, String source) {
        for (String key : settings.keySet()) {
            if (!KnownOptions.isKnown(key)) {
                String near = KnownOptions.closest(key);
                throw new IllegalArgumentException("unknown option '" + key + "' in " + source
                        + (near == null ? "" : " (did you mean '" + near + "'?)"));
            }
        }
    }

    public static RunConfig of(Map<String, String> settings) {
        requireKnown(settings, "the job settings");
        Configuration config = Configuration.fromMap(settings);
        applyDefaults(config);
        RunConfig run = new RunConfig(config);
        run.validate();
        return run;
    }

    private static void applyDefaults(Configuration config) {
        setIfAbsent(config, StateBackendOptions.STATE_BACKEND, "rocksdb");
        if (config.get(StateBackendOptions.STATE_BACKEND).equalsIgnoreCase("rocksdb")) {
            RocksDbDefaults.applyTo(config);
        }
        setIfAbsent(config, CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(10));
        // Nothing in this job keeps or changes a record after emitting it, so chained operators may
        // pass records on without Flink's defensive copy (a copy of every prediction otherwise).
        setIfAbsent(config, PipelineOptions.OBJECT_REUSE, true);
        setIfAbsent(config, CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        // A cancelled or failed job leaves its last checkpoint behind, to restart from.
        setIfAbsent(
                config,
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    }

    private static <T> void setIfAbsent(Configuration config, ConfigOption<T> option, T value) {
        if (!config.contains(option)) {
            config.set(option, value);
        }
    }

    private void validate() {
        boolean file =
                config.getOptional(RunOptions.MODEL).filter(v -> !v.isBlank()).isPresent();
        boolean store = config.contains(RunOptions.MODEL_STORE) || config.contains(RunOptions.MODEL_NAME);
        if (file == store) {
            throw new IllegalArgumentException(
                    file
                            ? "both '" + RunOptions.MODEL.key() + "' and a model store are set; serve one model"
                            : "missing option '" + RunOptions.MODEL.key() + "' (or '" + RunOptions.MODEL_STORE.key()
                                    + "' with '" + RunOptions.MODEL_NAME.key() + "')");
        }
        if (store && !(config.contains(RunOptions.MODEL_STORE) && config.contains(RunOptions.MODEL_NAME))) {
            throw new IllegalArgumentException("a model store needs both '" + RunOptions.MODEL_STORE.key() + "' and '"
                    + RunOptions.MODEL_NAME.key() + "'");
        }
        if (store && config.contains(RunOptions.WEIGHTS)) {
            throw new IllegalArgumentException("'" + RunOptions.WEIGHTS.key() + "' is for a model file; a store keeps"
                    + " a model's weights with it");
        }
        for (ConfigOption<String> required : new ConfigOption[] {
            RunOptions.BOOTSTRAP_SERVERS, RunOptions.TOPIC, RunOptions.OUTPUT_TOPIC, RunOptions.DEAD_LETTER_TOPIC
        }) {
            if (config.getOptional(required).filter(v -> !v.isBlank()).isEmpty()) {
                throw new IllegalArgumentException("missing option '" + required.key() + "'");
            }
        }
        if (!config.contains(CheckpointingOptions.CHECKPOINTS_DIRECTORY)) {
            throw new IllegalArgumentException("missing option '" + CheckpointingOptions.CHECKPOINTS_DIRECTORY.key()
                    + "': the job restarts from the checkpoints it keeps there");
        }
        String topic = config.get(RunOptions.TOPIC);
        for (ConfigOption<String> out : new ConfigOption[] {RunOptions.OUTPUT_TOPIC, RunOptions.DEAD_LETTER_TOPIC}) {
            if (config.get(out).equals(topic)) {
                throw new IllegalArgumentException(out.key() + " and " + RunOptions.TOPIC.key() + " are both '" + topic
                        + "': the job would read its own output");
            }
        }
        RnnOptions.loadLimits(config);
        EngineModes.checkWindow(config);
        String controls = config.getOptional(RunOptions.CONTROL_TOPIC).orElse(null);
        for (ConfigOption<String> other :
                new ConfigOption[] {RunOptions.TOPIC, RunOptions.OUTPUT_TOPIC, RunOptions.DEAD_LETTER_TOPIC}) {
            if (config.get(other).equals(controls)) {
                throw new IllegalArgumentException(RunOptions.CONTROL_TOPIC.key() + " and " + other.key()
                        + " are both '" + controls + "': controls need a topic of their own");
            }
        }
        Duration interval = config.get(CheckpointingOptions.CHECKPOINTING_INTERVAL);
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException(CheckpointingOptions.CHECKPOINTING_INTERVAL.key()
                    + " must be positive: exactly-once Kafka output is committed on checkpoints");
        }
        if (config.get(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE) != CheckpointingMode.EXACTLY_ONCE) {
            throw new IllegalArgumentException(
                    CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE.key()
                            + " is AT_LEAST_ONCE, but the Kafka sinks are exactly-once: unaligned replays would commit duplicates");
        }
        Duration timeout = config.get(RunOptions.TRANSACTION_TIMEOUT);
        if (timeout.compareTo(interval) <= 0) {
            throw new IllegalArgumentException(RunOptions.TRANSACTION_TIMEOUT.key() + " (" + timeout
                    + ") must be longer than " + CheckpointingOptions.CHECKPOINTING_INTERVAL.key() + " (" + interval
                    + "): Kafka would abort transactions before their checkpoint commits them");
        }
        format();
        startingOffsets();
        outputTimestamp();
        requireRoomForDeadLetters();
        // Typed getters throw one-line errors for values of the wrong type now, not on the cluster.
        config.get(RnnOptions.BUNDLE_MAX_EVENTS);
        config.get(RnnOptions.BUNDLE_MAX_DELAY);
        config.get(RnnOptions.ORDERING);
        if (partitionIdleTimeout().isZero() || partitionIdleTimeout().isNegative()) {
            throw new IllegalArgumentException(
                    RunOptions.PARTITION_IDLE_TIMEOUT.key() + " must be positive, got " + partitionIdleTimeout());
        }
    }

    /** Dead letters carry up to 64 KB of key and of original bytes, JSON-escaped: they need Kafka's default request size. */
    private void requireRoomForDeadLetters() {
        int size = maxRequestSize();
        if (size < DEFAULT_MAX_REQUEST_SIZE) {
            throw new IllegalArgumentException(RunOptions.KAFKA_PROPERTIES_PREFIX
                    + ProducerConfig.MAX_REQUEST_SIZE_CONFIG + " (" + size + ") must be at least "
                    + DEFAULT_MAX_REQUEST_SIZE
                    + ": a dead letter may carry 64 KB of key and 64 KB of the original record,"
                    + " JSON-escaped");
        }
    }

    /** The whole configuration, for {@code StreamExecutionEnvironment.getExecutionEnvironment}. */
    public Configuration flink() {
        return new Configuration(config);
    }

    public ModelSource model() {
        return modelFile().withLimits(RnnOptions.loadLimits(config));
    }

    private ModelSource modelFile() {
        if (config.contains(RunOptions.MODEL_STORE)) {
            return ModelSource.fromStore(
                    config.get(RunOptions.MODEL_STORE),
                    config.get(RunOptions.MODEL_NAME),
                    config.getOptional(RunOptions.MODEL_VERSION).orElse("latest"));
        }
        Path model = Path.of(config.get(RunOptions.MODEL));
        ModelSource source = config.getOptional(RunOptions.WEIGHTS)
                .map(w -> ModelSource.of(model, Path.of(w)))
                .orElseGet(() -> ModelSource.of(model));
        return config.getOptional(RunOptions.MODEL_VERSION)
                .map(source::withVersion)
                .orElse(source);
    }

    public EventFormat format() {
        return EnumOptions.get(config, RunOptions.FORMAT, RunOptions.FORMAT.key());
    }

    public OutputTimestamp outputTimestamp() {
        return OutputTimestamp.named(config.get(RunOptions.OUTPUT_TIMESTAMP));
    }

    public StartingOffsets startingOffsets() {
        return StartingOffsets.named(config.get(RunOptions.STARTING_OFFSETS));
    }

    public String get(ConfigOption<String> option) {
        return config.get(option);
    }

    public Duration transactionTimeout() {
        return config.get(RunOptions.TRANSACTION_TIMEOUT);
    }

    /** The control topic, if the job reads one. */
    public Optional<String> controlTopic() {
        return config.getOptional(RunOptions.CONTROL_TOPIC).filter(t -> !t.isBlank());
    }

    /** How long a quiet partition holds the event-time watermark back. */
    public Duration partitionIdleTimeout() {
        return config.get(RunOptions.PARTITION_IDLE_TIMEOUT);
    }

    /** The sinks' {@code max.request.size}: the largest record Kafka's producer sends. */
    public int maxRequestSize() {
        String set = kafkaProperties().getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        if (set == null) {
            return DEFAULT_MAX_REQUEST_SIZE;
        }
        try {
            return Integer.parseInt(set.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(RunOptions.KAFKA_PROPERTIES_PREFIX
                    + ProducerConfig.MAX_REQUEST_SIZE_CONFIG + " is not a number of bytes: '" + set + "'");
        }
    }

    /** The {@code flink-rnn.kafka.properties.*} entries, without the prefix. */
    public Properties kafkaProperties() {
        Properties p = new Properties();
        config.toMap().forEach((k, v) -> {
            if (k.startsWith(RunOptions.KAFKA_PROPERTIES_PREFIX)) {
                p.setProperty(k.substring(RunOptions.KAFKA_PROPERTIES_PREFIX.length()), v);
            }
        });
        return p;
    }
}
