package io.flinkrnn.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.KerasExpectations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Test-side Kafka clients: a plain producer, and a read_committed reader of JSON records. */
final class KafkaTopics {

    static final JsonMapper JSON = new JsonMapper();

    /** Longest {@link Reader#drain} keeps reading: records that never stop coming fail the test. */
    private static final Duration DRAIN_AT_MOST = Duration.ofSeconds(60);

    private KafkaTopics() {}

    /**
     * Asserts the prediction records, as read, equal Keras's rows key by key ({@link
     * KerasExpectations#assertMatches}: each key's {@code ts} once and in order) and all carry {@code version}.
     */
    static void assertPredictionsMatch(List<JsonNode> predictions, List<CsvRow> expected, String version) {
        KerasExpectations.assertMatches(
                predictions.stream().map(KafkaTopics::asRow).toList(), expected);
        assertThat(predictions)
                .extracting(p -> p.get("model_version").asText())
                .as("model versions")
                .containsOnly(version);
    }

    /**
     * A key's records, each as its JSON text (so floats compare bit for bit), in the order read: two
     * runs committed the same predictions when these maps are equal.
     */
    static Map<String, List<String>> byKey(List<JsonNode> records) {
        Map<String, List<String>> byKey = new java.util.HashMap<>();
        records.forEach(r -> byKey.computeIfAbsent(r.get("key").asText(), k -> new ArrayList<>())
                .add(r.toString()));
        return byKey;
    }

    /** The records as JSON text, sorted: for topics whose records have no order across keys (dead letters). */
    static List<String> sorted(List<JsonNode> records) {
        return records.stream().map(JsonNode::toString).sorted().toList();
    }

    private static CsvRow asRow(JsonNode prediction) {
        JsonNode y = prediction.get("y");
        float[] values = new float[y.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = y.get(i).floatValue();
        }
        return new CsvRow(prediction.get("key").asText(), prediction.get("ts").asLong(), values);
    }

    /** An event record's value as the job reads it: {@code {"key": .., "ts": .., "x": [..]}} in UTF-8. */
    static byte[] event(String key, long ts, float[] x) {
        var json = JSON.createObjectNode();
        json.put("key", key);
        json.put("ts", ts);
        var features = json.putArray("x");
        for (float v : x) {
            features.add(v);
        }
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A fixture row as an event record's value. */
    static byte[] event(CsvRow row) {
        return event(row.key(), row.t(), row.values());
    }

    /**
     * The Kafka record key a producer keyed by sensor gives an event record: the text of its
     * {@code "key"} field, found even in a record that is not valid JSON, or {@code no-key}. Each
     * key's events then share a partition.
     */
    static byte[] recordKey(byte[] value) {
        String s = new String(value, StandardCharsets.UTF_8);
        int at = s.indexOf("\"key\":");
        if (at < 0) {
            return "no-key".getBytes(StandardCharsets.UTF_8);
        }
        int start = s.indexOf('"', at + 6) + 1;
        return s.substring(start, s.indexOf('"', start)).getBytes(StandardCharsets.UTF_8);
    }

    static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return new KafkaProducer<>(p);
    }

    /** Reads whole topics from the beginning, seeing only records of committed transactions. */
    static final class Reader implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Map<String, List<JsonNode>> byTopic;
        private final Map<String, List<Long>> timestampsByTopic = new java.util.HashMap<>();

        Reader(String bootstrap, Map<String, Integer> topicPartitions) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            consumer = new KafkaConsumer<>(p);
            List<TopicPartition> partitions = new ArrayList<>();
            topicPartitions.forEach((topic, n) -> {
                for (int i = 0; i < n; i++) {
                    partitions.add(new TopicPartition(topic, i));
                }
            });
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            byTopic = new java.util.HashMap<>();
            topicPartitions.keySet().forEach(t -> {
                byTopic.put(t, new ArrayList<>());
                timestampsByTopic.put(t, new ArrayList<>());
            });
        }

        /** Polls until {@code topic} holds at least {@code count} records or the timeout passes. */
        List<JsonNode> awaitAtLeast(String topic, int count, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (byTopic.get(topic).size() < count && System.nanoTime() < deadline) {
                poll(Duration.ofMillis(100));
            }
            return byTopic.get(topic);
        }

        /** Polls until nothing arrives for {@code quiet}; fails if records keep coming past {@link #DRAIN_AT_MOST}. */
        void drain(Duration quiet) {
            long deadline = System.nanoTime() + DRAIN_AT_MOST.toNanos();
            while (poll(quiet) > 0) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("records still arriving after " + DRAIN_AT_MOST);
                }
            }
        }

        List<JsonNode> records(String topic) {
            return byTopic.get(topic);
        }

        /** The Kafka record timestamps of {@link #records}, in the same order. */
        List<Long> timestamps(String topic) {
            return timestampsByTopic.get(topic);
        }

        private int poll(Duration timeout) {
            int n = 0;
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
                try {
                    byTopic.get(r.topic()).add(JSON.readTree(r.value()));
                    timestampsByTopic.get(r.topic()).add(r.timestamp());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                n++;
            }
            return n;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
