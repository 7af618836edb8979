package io.flinkrnn.jobs.run;

import io.flinkrnn.jobs.cli.FlinkRnnCli;
import io.flinkrnn.operators.ModelLoader;
import io.flinkrnn.operators.ModelSource;
import io.flinkrnn.operators.Prediction;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.RnnInference;
import io.flinkrnn.operators.RnnOptions;
import io.flinkrnn.operators.RnnSettings;
import java.time.Duration;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
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
        String[] run = Stream.concat(Stream.of("run"), Stream.of(args)).toArray(String[]::new);
        int exit = FlinkRnnCli.commandLine().execute(run);
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
        ModelSource model = config.model();
        Configuration flink = config.flink();
        RnnSettings settings = RnnInference.forModel(model).configure(flink).settings();
        int features = inputSize(model, settings);

        KafkaSource<KafkaPayload> source = KafkaSource.<KafkaPayload>builder()
                .setBootstrapServers(config.get(RunOptions.BOOTSTRAP_SERVERS))
                .setTopics(config.get(RunOptions.TOPIC))
                .setGroupId(config.get(RunOptions.GROUP_ID))
                .setStartingOffsets(config.startingOffsets().initializer())
                .setDeserializer(new PayloadDeserializer())
                .setProperties(consumerProperties(config))
                .build();
        SingleOutputStreamOperator<RnnEvent> events = env.fromSource(
                        source, WatermarkStrategy.noWatermarks(), "kafka: " + config.get(RunOptions.TOPIC))
                .uid("kafka-events")
                .process(new ParseEvents(config.format(), features))
                .uid("parse-events")
                .name("parse events");

        DataStream<RnnEvent> ordered = settings.eventTime() ? withEventTime(events) : events;
        RnnInference.Result result =
                RnnInference.forModel(model).configure(flink).apply(ordered.keyBy(RnnEvent::key));
        result.predictions().uid("flink-rnn");

        DeadLetterRecords deadLetters =
                new DeadLetterRecords(config.get(RunOptions.DEAD_LETTER_TOPIC), config.outputTimestamp());
        result.predictions()
                .sinkTo(KafkaSink.<Prediction>builder()
                        .setBootstrapServers(config.get(RunOptions.BOOTSTRAP_SERVERS))
                        .setKafkaProducerConfig(producerProperties(config))
                        .setRecordSerializer(new PredictionRecords(
                                config.get(RunOptions.OUTPUT_TOPIC),
                                config.outputTimestamp(),
                                deadLetters,
                                config.maxRequestSize()))
                        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                        .setTransactionalIdPrefix(config.get(RunOptions.TRANSACTIONAL_ID_PREFIX) + "-predictions")
                        .build())
                .uid("kafka-predictions")
                .name("kafka: " + config.get(RunOptions.OUTPUT_TOPIC));

        events.getSideOutput(ParseEvents.DEAD_LETTERS)
                .union(
                        result.rejects().map(DeadLetter::rejected).uid("operator-rejects"),
                        result.late().map(DeadLetter::late).uid("late-events"))
                .sinkTo(KafkaSink.<DeadLetter>builder()
                        .setBootstrapServers(config.get(RunOptions.BOOTSTRAP_SERVERS))
                        .setKafkaProducerConfig(producerProperties(config))
                        .setRecordSerializer(deadLetters)
                        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                        .setTransactionalIdPrefix(config.get(RunOptions.TRANSACTIONAL_ID_PREFIX) + "-dead-letters")
                        .build())
                .uid("kafka-dead-letters")
                .name("kafka: " + config.get(RunOptions.DEAD_LETTER_TOPIC));
    }

    private static int inputSize(ModelSource model, RnnSettings settings) {
        return ModelLoader.load(model, settings).model().inputSize();
    }

    /**
     * Event time: timestamps are the events' {@code ts}, and the watermark follows the largest seen
     * (the operator holds back and sorts what arrives within {@link RnnOptions#ALLOWED_LATENESS}).
     * An idle partition must not stall the watermark of the others.
     */
    private static DataStream<RnnEvent> withEventTime(DataStream<RnnEvent> events) {
        return events.assignTimestampsAndWatermarks(WatermarkStrategy.<RnnEvent>forMonotonousTimestamps()
                        .withTimestampAssigner((e, previous) -> e.timestamp())
                        .withIdleness(Duration.ofMinutes(1)))
                .uid("event-time");
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
