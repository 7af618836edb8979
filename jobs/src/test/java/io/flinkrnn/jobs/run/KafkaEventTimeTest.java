package io.flinkrnn.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.fixtures.KerasExpectations;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Event time over many keys and partitions against a real KRaft broker (docs/SEMANTICS.md sections
 * 5 and 9): 1,000 keys (copies of a Keras fixture's keys) on 4 partitions, each key's timestamps
 * increasing but interleaved with other keys' and shuffled within the allowed lateness, one
 * partition quiet for most of the run. Every key's outputs must be Keras's on its events in ts
 * order, across a stop-with-savepoint and restore in the middle; the events sent late must be dead
 * letters, each once.
 */
class KafkaEventTimeTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .build());

    private static final Fixture FIXTURE = Fixture.named("keras3_lstm_seq");
    private static final String EVENTS = "et-events";
    private static final String PREDICTIONS = "et-predictions";
    private static final String DEAD_LETTERS = "et-dead-letters";
    private static final int PARTITIONS = 4;
    /** The partition that falls quiet early. */
    private static final int QUIET = 3;

    private static final int KEYS = 1000;
    /** Each key's first events only: Keras's outputs on a prefix are the prefix of its outputs. */
    private static final int EVENTS_PER_KEY = 6;
    /** Event time between two steps of a key, in ms. */
    private static final long STEP = 1000;

    private static final long LATENESS = 2000;
    /** Records arrive up to this much after their ts: the shuffling stays within the lateness. */
    private static final long JITTER = 1500;
    /** Event time sent per second of wall time. */
    private static final long EVENT_MS_PER_SECOND = 3000;

    private static final int LATE_EVENTS = 20;
    /** Keys of the records far ahead in event time that flush every partition's watermark. */
    private static final String FLUSH = "flush-";

    @RegisterExtension
    static final KafkaBroker KAFKA = KafkaBroker.forTests()
            .topic(EVENTS, PARTITIONS)
            .topic(PREDICTIONS, PARTITIONS)
            .topic(DEAD_LETTERS, 1);

    @TempDir
    Path work;

    /** One event as produced: its key's offset in event time makes {@code ts = offset + t * STEP}. */
    private record Sent(String key, long t, long ts, int partition, long arrival, byte[] value) {}

    @Test
    void everyKeyIsServedInTsOrderAcrossPartitionsASavepointAndAQuietPartition() throws Exception {
        long seed = new Random().nextLong();
        System.out.println("KafkaEventTimeTest seed=" + seed);
        Random random = new Random(seed);

        Map<String, Long> offsets = new HashMap<>();
        Map<String, Integer> partitions = new HashMap<>();
        List<CsvRow> expected = new ArrayList<>();
        List<Sent> sent = events(random, offsets, partitions, expected);
        long quietSince = sent.stream()
                .filter(s -> s.partition() == QUIET)
                .mapToLong(Sent::ts)
                .max()
                .orElseThrow();
        List<Sent> late = lateEvents(random, sent);

        CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> produce(sent));
        try (KafkaTopics.Reader reader =
                new KafkaTopics.Reader(KAFKA.bootstrapServers(), Map.of(PREDICTIONS, PARTITIONS, DEAD_LETTERS, 1))) {
            JobClient first = KafkaJobs.submit(settings(null), "event time, first part");
            reader.awaitAtLeast(PREDICTIONS, expected.size() / 3, Duration.ofSeconds(60));
            Path savepoint = KafkaJobs.stopWithSavepoint(first, work.resolve("savepoints"));
            assertThat(reader.records(PREDICTIONS))
                    .as("outputs before the savepoint")
                    .hasSizeBetween(expected.size() / 3, expected.size() - 1);

            JobClient second = KafkaJobs.submit(settings(savepoint), "event time, restored");
            // The quiet partition must not hold the others back: outputs pass its last ts by more
            // than the lateness, which a watermark held at the quiet partition would never allow.
            awaitOutputAfter(reader, quietSince + 2 * LATENESS);
            producer.get(60, TimeUnit.SECONDS);
            // A record far ahead on every partition moves the watermark past every real event ...
            long farAhead = sent.stream().mapToLong(Sent::ts).max().orElseThrow() + 1000 * STEP;
            CsvRow any = FIXTURE.eventRows().get(0);
            List<Sent> watermarks = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                watermarks.add(new Sent(FLUSH + p, -1, farAhead, p, farAhead, json(FLUSH + p, farAhead, any)));
            }
            send(watermarks);
            reader.awaitAtLeast(PREDICTIONS, expected.size(), Duration.ofSeconds(60));
            // ... so that the late events, sent once every real one was served, can only be late.
            send(late);
            reader.awaitAtLeast(DEAD_LETTERS, late.size(), Duration.ofSeconds(30));
            reader.drain(Duration.ofSeconds(1));
            KafkaJobs.cancel(second);
        }
        // ... and every record read, to the end of the topics.
        try (KafkaTopics.Reader all =
                new KafkaTopics.Reader(KAFKA.bootstrapServers(), Map.of(PREDICTIONS, PARTITIONS, DEAD_LETTERS, 1))) {
            all.drain(Duration.ofSeconds(2));
            // The far records stay buffered: the watermark never passes them.
            List<CsvRow> outputs = all.records(PREDICTIONS).stream()
                    .map(p -> asStep(p, offsets))
                    .toList();
            KerasExpectations.assertMatches(outputs, expected);
            assertThat(all.records(DEAD_LETTERS))
                    .as("late events, each once")
                    .allSatisfy(l -> assertThat(l.get("stage").asText()).isEqualTo("late"))
                    .extracting(l -> l.get("key").asText() + "@" + l.get("ts").asLong())
                    .containsExactlyInAnyOrderElementsOf(
                            late.stream().map(s -> s.key() + "@" + s.ts()).toList());
        }
    }

    private Map<String, String> settings(Path restoreFrom) {
        Map<String, String> s = new HashMap<>();
        s.put("flink-rnn.model.path", FIXTURE.file("keras").orElseThrow().toString());
        s.put("flink-rnn.mode", FIXTURE.mode());
        s.put("flink-rnn.bundle.max-events", "64");
        s.put("flink-rnn.bundle.max-delay", "5 ms");
        s.put("flink-rnn.event-time.allowed-lateness", LATENESS + " ms");
        s.put("flink-rnn.kafka.partition-idle-timeout", "500 ms");
        s.put("flink-rnn.kafka.bootstrap-servers", KAFKA.bootstrapServers());
        s.put("flink-rnn.kafka.topic", EVENTS);
        s.put("flink-rnn.kafka.output-topic", PREDICTIONS);
        s.put("flink-rnn.kafka.dead-letter-topic", DEAD_LETTERS);
        s.put("flink-rnn.kafka.starting-offsets", "earliest");
        s.put("flink-rnn.kafka.transactional-id-prefix", "event-time");
        s.put("execution.checkpointing.interval", "200 ms");
        s.put("execution.checkpointing.dir", work.resolve("checkpoints").toUri().toString());
        s.put("parallelism.default", "2");
        if (restoreFrom != null) {
            s.put("execution.state-recovery.path", restoreFrom.toUri().toString());
        }
        return s;
    }

    /**
     * The fixture's keys copied to {@link #KEYS} keys, each with its first {@link #EVENTS_PER_KEY}
     * events at {@code ts = offset + t * STEP}; the quiet partition's keys all start at once, the
     * others over 20 s of event time. Each record arrives up to {@link #JITTER} after its ts, so a
     * partition's records are shuffled within the lateness, a key's own events included.
     */
    private static List<Sent> events(
            Random random, Map<String, Long> offsets, Map<String, Integer> partitions, List<CsvRow> expected) {
        Map<String, List<CsvRow>> byKey = FIXTURE.eventRows().stream()
                .collect(Collectors.groupingBy(CsvRow::key, LinkedHashMap::new, Collectors.toList()));
        Map<String, List<CsvRow>> kerasByKey = FIXTURE.expectedRows().stream()
                .collect(Collectors.groupingBy(CsvRow::key, LinkedHashMap::new, Collectors.toList()));
        List<String> fixtureKeys = new ArrayList<>(byKey.keySet());
        List<Sent> sent = new ArrayList<>();
        for (int k = 0; k < KEYS; k++) {
            String original = fixtureKeys.get(k % fixtureKeys.size());
            String key = "c" + (k / fixtureKeys.size()) + "/" + original;
            int partition = k % PARTITIONS;
            long offset = partition == QUIET ? 0 : random.nextInt(20) * STEP + random.nextInt((int) STEP);
            offsets.put(key, offset);
            partitions.put(key, partition);
            List<CsvRow> rows = byKey.get(original)
                    .subList(0, Math.min(EVENTS_PER_KEY, byKey.get(original).size()));
            for (CsvRow r : rows) {
                long ts = offset + r.t() * STEP;
                sent.add(new Sent(key, r.t(), ts, partition, ts + random.nextInt((int) JITTER), json(key, ts, r)));
            }
            kerasByKey
                    .get(original)
                    .subList(0, rows.size())
                    .forEach(r -> expected.add(new CsvRow(key, r.t(), r.values())));
        }
        sent.sort(Comparator.comparingLong(Sent::arrival));
        return sent;
    }

    /**
     * Events sent after the watermark passed everything: each carries a ts between two served steps
     * of its key, so it can only be late (never a duplicate of a served ts).
     */
    private static List<Sent> lateEvents(Random random, List<Sent> sent) {
        List<Sent> late = new ArrayList<>();
        for (int i = 0; i < LATE_EVENTS; i++) {
            Sent s = sent.get(random.nextInt(sent.size()));
            long ts = s.ts() + STEP / 2;
            CsvRow row = new CsvRow(s.key(), ts, FIXTURE.eventRows().get(0).values());
            if (late.stream().noneMatch(l -> l.key().equals(s.key()) && l.ts() == ts)) {
                late.add(new Sent(s.key(), -1, ts, s.partition(), Long.MAX_VALUE, json(s.key(), ts, row)));
            }
        }
        return late;
    }

    /** Sends the events in arrival order at {@link #EVENT_MS_PER_SECOND}, each to its key's partition. */
    private static void produce(List<Sent> sent) {
        try (KafkaProducer<byte[], byte[]> producer = KafkaTopics.producer(KAFKA.bootstrapServers())) {
            long start = System.nanoTime();
            for (Sent s : sent) {
                long due = start + TimeUnit.MILLISECONDS.toNanos(s.arrival() * 1000 / EVENT_MS_PER_SECOND);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                send(producer, s);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void send(List<Sent> records) {
        try (KafkaProducer<byte[], byte[]> producer = KafkaTopics.producer(KAFKA.bootstrapServers())) {
            records.forEach(s -> send(producer, s));
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, Sent s) {
        producer.send(new ProducerRecord<>(EVENTS, s.partition(), s.key().getBytes(StandardCharsets.UTF_8), s.value()));
    }

    private static byte[] json(String key, long ts, CsvRow row) {
        return KafkaTopics.event(key, ts, row.values());
    }

    /** Waits until a committed prediction has a ts past {@code ts}, for at most 60 s. */
    private static void awaitOutputAfter(KafkaTopics.Reader reader, long ts) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (reader.records(PREDICTIONS).stream().noneMatch(p -> p.get("ts").asLong() > ts)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no output past ts=" + ts + " while partition " + QUIET + " was quiet");
            }
            reader.awaitAtLeast(PREDICTIONS, reader.records(PREDICTIONS).size() + 1, Duration.ofMillis(500));
        }
    }

    /** A prediction as a fixture row: its ts turned back into the key's step. */
    private static CsvRow asStep(JsonNode p, Map<String, Long> offsets) {
        String key = p.get("key").asText();
        long ts = p.get("ts").asLong();
        assertThat(offsets).as("an output of a key that was sent: %s", p).containsKey(key);
        JsonNode y = p.get("y");
        float[] values = new float[y.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = y.get(i).floatValue();
        }
        return new CsvRow(key, (ts - offsets.get(key)) / STEP, values);
    }
}
