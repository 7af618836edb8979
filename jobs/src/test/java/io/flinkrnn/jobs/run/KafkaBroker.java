package io.flinkrnn.jobs.run;

import io.flinkrnn.jobs.FreePorts;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real Apache Kafka broker in KRaft mode (combined broker and controller), run from Kafka's own
 * server classes inside the test JVM and bound to 127.0.0.1 only. Internal topics get one partition
 * and no replication so that the first transaction and the first consumer group start at once.
 *
 * <p>A test class registers one as a JUnit extension, with the topics its tests share:
 * {@code @RegisterExtension static final KafkaBroker KAFKA = KafkaBroker.forTests().topic("events", 2);}
 * it starts (in a temporary directory) before the class's first test and stops after its last.
 * {@link #start(Path)} starts one outside JUnit's lifecycle, in a directory of the caller's.
 */
final class KafkaBroker implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

    private static final String CONTROLLER = "CONTROLLER";

    private final Map<String, String> overrides;
    private final List<NewTopic> topics = new ArrayList<>();
    private KafkaConfig config;
    private String bootstrapServers;
    private KafkaRaftServer server;
    private Path tempDir;

    private KafkaBroker(Map<String, String> overrides) {
        this.overrides = overrides;
    }

    /** A broker for a test class's extension; started by JUnit, see {@link #beforeAll}. */
    static KafkaBroker forTests() {
        return forTests(Map.of());
    }

    /** The same, with {@code overrides} on top of the settings below (e.g. a short retention check). */
    static KafkaBroker forTests(Map<String, String> overrides) {
        return new KafkaBroker(overrides);
    }

    /** A topic the extension creates once the broker runs, before the class's first test. */
    KafkaBroker topic(String name, int partitions) {
        return topic(name, partitions, Map.of());
    }

    KafkaBroker topic(String name, int partitions, Map<String, String> configs) {
        topics.add(new NewTopic(name, partitions, (short) 1).configs(configs));
        return this;
    }

    /** A broker with its logs under {@code dir}, started now; the caller closes it. */
    static KafkaBroker start(Path dir) throws Exception {
        KafkaBroker broker = new KafkaBroker(Map.of());
        broker.startIn(dir);
        return broker;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        tempDir = Files.createTempDirectory("kafka-broker");
        startIn(tempDir);
        try (Admin admin = admin()) {
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        close();
        try (Stream<Path> paths = Files.walk(tempDir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private void startIn(Path dir) throws Exception {
        Path logs = Files.createDirectories(dir.resolve("kafka-logs"));
        int[] ports = FreePorts.distinct(2);
        int brokerPort = ports[0];
        int controllerPort = ports[1];
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + "," + CONTROLLER + "://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", CONTROLLER);
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER + ":PLAINTEXT");
        p.put("log.dirs", logs.toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        p.putAll(overrides);
        config = new KafkaConfig(p, false);

        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                .setNodeId(1)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(logs.toString()))
                .setMetadataLogDirectory(logs.toString())
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setControllerListenerName(CONTROLLER)
                .run();

        server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        bootstrapServers = "127.0.0.1:" + brokerPort;
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    void createTopic(String name, int partitions) throws Exception {
        createTopic(name, partitions, Map.of());
    }

    void createTopic(String name, int partitions, Map<String, String> configs) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    /** The first offset partition 0 of {@code topic} still holds: above 0 once retention deleted records. */
    long logStartOffset(String topic) throws Exception {
        try (Admin admin = admin()) {
            TopicPartition partition = new TopicPartition(topic, 0);
            return admin.listOffsets(Map.of(partition, OffsetSpec.earliest()))
                    .partitionResult(partition)
                    .get(30, TimeUnit.SECONDS)
                    .offset();
        }
    }

    /**
     * Shuts the broker down and starts it again on the same ports and logs, as a rolling restart
     * would: topics, committed offsets and open transactions survive in its logs.
     */
    void restart() {
        server.shutdown();
        server.awaitShutdown();
        server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
