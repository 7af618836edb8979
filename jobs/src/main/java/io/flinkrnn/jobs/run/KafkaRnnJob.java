package io.flinkrnn.jobs.run;

import io.flinkrnn.jobs.cli.FlinkRnnCli;
import io.flinkrnn.jobs.state.RnnStates;
import io.flinkrnn.operators.Control;
import io.flinkrnn.operators.Forecast;
import io.flinkrnn.operators.ModelSource;
import io.flinkrnn.operators.Prediction;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.RnnInference;
import io.flinkrnn.operators.internal.RnnSettings;
import io.flinkrnn.operators.internal.model.ModelLoader;
import java.util.Properties;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The Kafka job: events topic → parse → keyBy(key) → {@link RnnInference} → predictions topic, with
 * a dead-letter topic for everything that changed no state, and for predictions whose record
 * timestamp Kafka would refuse ({@link OutputTimestamp}). Both sinks are exactly-once: their
 * Kafka transactions commit when a checkpoint completes, so a consumer reading with {@code
 * isolation.level=read_committed} sees every output once, across failures and restarts.
 *
 * <p>{@link #main} is the entry class of flink-rnn-job.jar for {@code flink run}; it takes the same
 * flags as {@code java -jar flink-rnn.jar run}.
 */
public final class KafkaRnnJob {

    private KafkaRnnJob() {}

    public static void main(String[] args) {
        int exit = FlinkRnnCli.commandLine(new RunCommand()).execute(args);
        if (exit != 0) {
            System.exit(exit);
        }
    }

    /** An environment with the job's configuration: a MiniCluster under java -jar, the cluster under flink run. */
    public static StreamExecutionEnvironment environment(RunConfig config) {
        return environment(config, new Configuration());
    }

    /** The same, plus settings of the embedded cluster itself (its web UI, metric reporters). */
    public static StreamExecutionEnvironment environment(RunConfig config, Configuration embedded) {
        Configuration flink = config.flink();
        flink.addAll(embedded);
        return StreamExecutionEnvironment.getExecutionEnvironment(flink);
    }

    /**
     * Adds the job to {@code env}. The model is read here, on the client, so that a missing file, a
     * mode the model cannot run in, or the number of features events must have are known before
     * anything is submitted.
     */
    public static void build(StreamExecutionEnvironment env, RunConfig config) {
        build(env, config, Taps.NONE);
    }

    /**
     * Where the tests of this package reach into the job: {@code predictions} is applied to the
     * stream between the inference operator and the predictions sink, {@code predictionsSink} to that
     * sink. The seeded fault-injection harness chains a test-only operator into the first and wraps
     * the sink's committer with the second; production code only ever passes {@link #NONE}, and no
     * setting or flag leads anywhere else.
     */
    record Taps(
            UnaryOperator<DataStream<Prediction>> predictions,
            Function<KafkaSink<Prediction>, Sink<Prediction>> predictionsSink) {
        static final Taps NONE = new Taps(UnaryOperator.identity(), sink -> sink);
    }

    /** {@link #build(StreamExecutionEnvironment, RunConfig)} with {@code taps}; package-private on purpose. */
    static void build(StreamExecutionEnvironment env, RunConfig config, Taps taps) {
        ModelSource model = config.model();
        Configuration flink = config.flink();
        RnnSettings settings = RnnInference.forModel(model).configure(flink).settings();
        int features = inputSize(model, settings);

        SingleOutputStreamOperator<RnnEvent> events = env.fromSource(
                        source(config, config.get(RunOptions.TOPIC)),
                        watermarks(config, settings),
                        "kafka: " + config.get(RunOptions.TOPIC))
                .uid("kafka-events")
                .process(new ParseEvents(config.format(), features))
                .uid("parse-events")
                .name("parse events");

        // The uid savepoints key the states by, and the one the state tools read by default.
        RnnInference inference = RnnInference.forModel(model).configure(flink).uid(RnnStates.DEFAULT_UID);
        SingleOutputStreamOperator<Control> controls =
                config.controlTopic().map(topic -> controls(env, config, topic)).orElse(null);
        if (controls != null) {
            inference.controls(controls);
        }
        RnnInference.Result result = inference.apply(events.keyBy(RnnEvent::key));

        DeadLetterRecords deadLetters =
                new DeadLetterRecords(config.get(RunOptions.DEAD_LETTER_TOPIC), config.outputTimestamp());
        taps.predictions()
                .apply(result.predictions())
                .sinkTo(taps.predictionsSink()
                        .apply(KafkaSink.<Prediction>builder()
                                .setBootstrapServers(config.get(RunOptions.BOOTSTRAP_SERVERS))
                                .setKafkaProducerConfig(producerProperties(config))
                                .setRecordSerializer(new PredictionRecords(
                                        config.get(RunOptions.OUTPUT_TOPIC),
                                        config.outputTimestamp(),
                                        deadLetters,
                                        config.maxRequestSize()))
                                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                                .setTransactionalIdPrefix(
                                        config.get(RunOptions.TRANSACTIONAL_ID_PREFIX) + "-predictions")
                                .build()))
                .uid("kafka-predictions")
                .name("kafka: " + config.get(RunOptions.OUTPUT_TOPIC));

        DataStream<DeadLetter> letters = events.getSideOutput(ParseEvents.DEAD_LETTERS)
                .union(
                        result.rejects().map(DeadLetter::rejected).uid("operator-rejects"),
                        result.late().map(DeadLetter::late).uid("late-events"));
        if (controls != null) {
            letters = letters.union(controls.getSideOutput(ParseEvents.DEAD_LETTERS));
            result.forecasts()
                    .sinkTo(KafkaSink.<Forecast>builder()
                            .setBootstrapServers(config.get(RunOptions.BOOTSTRAP_SERVERS))
                            .setKafkaProducerConfig(producerProperties(config))
                            .setRecordSerializer(new ForecastRecords(config.get(RunOptions.OUTPUT_TOPIC)))
                            .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                            .setTransactionalIdPrefix(config.get(RunOptions.TRANSACTIONAL_ID_PREFIX) + "-forecasts")
                            .build())
                    .uid("kafka-forecasts")
                    .name("kafka: forecasts to " + config.get(RunOptions.OUTPUT_TOPIC));
        }
        letters.sinkTo(KafkaSink.<DeadLetter>builder()
                        .setBootstrapServers(config.get(RunOptions.BOOTSTRAP_SERVERS))
                        .setKafkaProducerConfig(producerProperties(config))
                        .setRecordSerializer(deadLetters)
                        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                        .setTransactionalIdPrefix(config.get(RunOptions.TRANSACTIONAL_ID_PREFIX) + "-dead-letters")
                        .build())
                .uid("kafka-dead-letters")
                .name("kafka: " + config.get(RunOptions.DEAD_LETTER_TOPIC));
    }

    private static KafkaSource<KafkaPayload> source(RunConfig config, String topic) {
        return KafkaSource.<KafkaPayload>builder()
                .setBootstrapServers(config.get(RunOptions.BOOTSTRAP_SERVERS))
                .setTopics(topic)
                .setGroupId(config.get(RunOptions.GROUP_ID))
                .setStartingOffsets(config.startingOffsets().initializer())
                .setDeserializer(new PayloadDeserializer())
                .setProperties(consumerProperties(config))
                .build();
    }

    /**
     * The control topic, read by one subtask and broadcast by {@link RnnInference} to every
     * inference subtask, where the key's owner acts. Controls carry no event time: the operator
     * takes its watermark from the events alone.
     */
    private static SingleOutputStreamOperator<Control> controls(
            StreamExecutionEnvironment env, RunConfig config, String topic) {
        return env.fromSource(source(config, topic), WatermarkStrategy.noWatermarks(), "kafka: " + topic)
                .setParallelism(1)
                .uid("kafka-controls")
                .process(new ParseControls())
                .setParallelism(1)
                .uid("parse-controls")
                .name("parse controls");
    }

    private static int inputSize(ModelSource model, RnnSettings settings) {
        return ModelLoader.load(model, settings).model().inputSize();
    }

    /**
     * Event time is assigned in the source, so Flink keeps a watermark per partition and the
     * operator's watermark is the slowest partition's: each partition's events may be out of order
     * by up to the allowed lateness before they count as late, and a quiet partition stops holding
     * the others back after {@link RunOptions#PARTITION_IDLE_TIMEOUT}. Arrival order needs no
     * watermarks.
     */
    private static WatermarkStrategy<KafkaPayload> watermarks(RunConfig config, RnnSettings settings) {
        if (!settings.eventTime()) {
            return WatermarkStrategy.noWatermarks();
        }
        return WatermarkStrategy.<KafkaPayload>forBoundedOutOfOrderness(settings.allowedLateness())
                .withTimestampAssigner(new EventTimestamps(config.format()))
                .withIdleness(config.partitionIdleTimeout());
    }

    private static Properties consumerProperties(RunConfig config) {
        Properties p = config.kafkaProperties();
        // Events from transactional producers count only once they are committed.
        p.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return p;
    }

    private static Properties producerProperties(RunConfig config) {
        Properties p = config.kafkaProperties();
        p.putIfAbsent(
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                String.valueOf(config.transactionTimeout().toMillis()));
        return p;
    }
}
