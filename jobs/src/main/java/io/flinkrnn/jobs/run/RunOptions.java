package io.flinkrnn.jobs.run;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;

/**
 * The Kafka job's own settings as Flink {@link ConfigOption}s; a config file, {@code -D} and the
 * flags of {@code flink-rnn run} all set these keys (plus {@link io.flinkrnn.operators.RnnOptions}
 * and Flink's checkpoint, state backend and parallelism options).
 */
public final class RunOptions {

    /** Client properties under this prefix go to the Kafka source and both sinks unchanged. */
    public static final String KAFKA_PROPERTIES_PREFIX = "flink-rnn.kafka.properties.";

    public static final ConfigOption<String> MODEL = key("flink-rnn.model.path")
            .stringType()
            .noDefaultValue()
            .withDescription("Keras .h5 or .keras model, or a JSON config (with flink-rnn.model.weights);"
                    + " or use flink-rnn.model.store and flink-rnn.model.name.");

    public static final ConfigOption<String> WEIGHTS = key("flink-rnn.model.weights")
            .stringType()
            .noDefaultValue()
            .withDescription("Weights .h5 for a JSON model config.");

    public static final ConfigOption<String> MODEL_VERSION = key("flink-rnn.model.version")
            .stringType()
            .noDefaultValue()
            .withDescription("For a file, the model_version every output carries (default: the file name); for a"
                    + " model store, the version to serve (default: latest).");

    public static final ConfigOption<String> MODEL_STORE = key("flink-rnn.model.store")
            .stringType()
            .noDefaultValue()
            .withDescription("Root URI of a model store (flink-rnn store); serve flink-rnn.model.name from it.");

    public static final ConfigOption<String> MODEL_NAME = key("flink-rnn.model.name")
            .stringType()
            .noDefaultValue()
            .withDescription("The model's name in flink-rnn.model.store.");

    public static final ConfigOption<String> BOOTSTRAP_SERVERS = key("flink-rnn.kafka.bootstrap-servers")
            .stringType()
            .noDefaultValue()
            .withDescription("Kafka bootstrap servers, host:port[,host:port...].");

    public static final ConfigOption<String> TOPIC = key("flink-rnn.kafka.topic")
            .stringType()
            .noDefaultValue()
            .withDescription(
                    "Topic of the events; each key's events must share a partition (use the key as record key).");

    public static final ConfigOption<String> OUTPUT_TOPIC = key("flink-rnn.kafka.output-topic")
            .stringType()
            .noDefaultValue()
            .withDescription("Topic the predictions are written to, exactly once.");

    public static final ConfigOption<String> DEAD_LETTER_TOPIC = key("flink-rnn.kafka.dead-letter-topic")
            .stringType()
            .noDefaultValue()
            .withDescription("Topic for events that changed no state: the reason and the original payload.");

    public static final ConfigOption<String> CONTROL_TOPIC = key("flink-rnn.kafka.control-topic")
            .stringType()
            .noDefaultValue()
            .withDescription("Optional topic of control records ({\"control\": \"reset\", \"key\": \"...\"}, reset-all,"
                    + " forecast with horizon, swap with version), broadcast to every subtask; forecasts are"
                    + " answered on the output topic.");

    public static final ConfigOption<String> GROUP_ID = key("flink-rnn.kafka.group-id")
            .stringType()
            .defaultValue("flink-rnn")
            .withDescription("Consumer group; offsets are committed on checkpoints, for monitoring only.");

    public static final ConfigOption<String> STARTING_OFFSETS = key("flink-rnn.kafka.starting-offsets")
            .stringType()
            .defaultValue("committed")
            .withDescription("earliest, latest, committed (the group's offsets, else earliest), or timestamp:MILLIS "
                    + "(the first record stamped at or after it, e.g. where a bootstrapped history ends). "
                    + "A restored checkpoint's source state always wins over this.");

    public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX = key("flink-rnn.kafka.transactional-id-prefix")
            .stringType()
            .defaultValue("flink-rnn")
            .withDescription("Prefix of the sinks' Kafka transactional ids; unique per job on a cluster.");

    public static final ConfigOption<Duration> TRANSACTION_TIMEOUT = key("flink-rnn.kafka.transaction-timeout")
            .durationType()
            .defaultValue(Duration.ofMinutes(10))
            .withDescription("Kafka transaction timeout of the sinks: longer than a checkpoint interval plus a "
                    + "restart, at most the broker's transaction.max.timeout.ms (15 min by default).");

    public static final ConfigOption<String> OUTPUT_TIMESTAMP = key("flink-rnn.kafka.output-timestamp")
            .stringType()
            .defaultValue("input-record")
            .withDescription("Kafka record timestamp of the predictions: input-record (the event's Kafka record's),"
                    + " processing-time, or event (the event's ts, which must be epoch milliseconds). The payload"
                    + " keeps ts either way.");

    public static final ConfigOption<Duration> PARTITION_IDLE_TIMEOUT = key("flink-rnn.kafka.partition-idle-timeout")
            .durationType()
            .defaultValue(Duration.ofMinutes(1))
            .withDescription("In event-time mode, a partition without records for this long stops holding the "
                    + "watermark back (WatermarkStrategy.withIdleness); its later events may then be late.");

    public static final ConfigOption<EventFormat> FORMAT = key("flink-rnn.input.format")
            .enumType(EventFormat.class)
            .defaultValue(EventFormat.JSON)
            .withDescription("json: {\"key\": \"...\", \"ts\": 123, \"x\": [..]}; csv: key,ts,x0,x1,...");

    private RunOptions() {}
}
