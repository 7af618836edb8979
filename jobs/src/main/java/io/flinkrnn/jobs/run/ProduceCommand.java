package io.flinkrnn.jobs.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkrnn.jobs.demo.SensorSignal;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code flink-rnn produce}: the demo's sensors as JSON events on a Kafka topic, for the run job to
 * serve. Each sensor is the record key, so its readings share a partition and stay in order.
 */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        description = "Writes the demo's sensor readings to a Kafka topic as {\"key\",\"ts\",\"x\"} JSON events.")
public final class ProduceCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers.")
    String bootstrapServers;

    @Option(names = "--topic", required = true, description = "Topic to write the events to.")
    String topic;

    @Option(names = "--keys", description = "Number of sensors. Default: ${DEFAULT-VALUE}.")
    int keys = 20;

    @Option(names = "--rate", description = "Events per second. Default: ${DEFAULT-VALUE}.")
    double rate = 50;

    @Option(names = "--events", description = "Events in total; 0 for no end. Default: ${DEFAULT-VALUE}.")
    long events = 0;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (keys < 1 || rate <= 0 || events < 0) {
            throw new IllegalArgumentException("--keys and --rate must be positive, --events not negative");
        }
        PrintWriter err = spec.commandLine().getErr();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        long nanosPerEvent = (long) (1e9 / rate);
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (long i = 0; events == 0 || i < events; i++) {
                LockSupport.parkNanos(start + i * nanosPerEvent - System.nanoTime());
                int sensor = (int) (i % keys);
                long step = i / keys;
                String key = SensorSignal.sensor(sensor);
                producer.send(
                        new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), event(key, step, sensor)));
                if ((i + 1) % 10_000 == 0) {
                    err.printf("produce: %,d events to %s%n", i + 1, topic);
                    err.flush();
                }
            }
        }
        return 0;
    }

    private static byte[] event(String key, long step, int sensor) {
        ObjectNode json = PredictionRecords.JSON.createObjectNode();
        json.put("key", key);
        json.put("ts", step);
        json.putArray("x").add(SensorSignal.reading(sensor, step));
        return PredictionRecords.bytes(json);
    }
}
