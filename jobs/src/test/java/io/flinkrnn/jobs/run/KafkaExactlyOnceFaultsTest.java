package io.flinkrnn.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.jobs.run.InjectedFaults.Kind;
import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly once at the windows where it usually breaks: the Kafka job at parallelism 3 over 1,000
 * keys (copies of a Keras fixture's keys, every key group used) takes five failures drawn from a
 * printed seed, every kind at least once ({@link InjectedFaults.Kind}). The job must restart once
 * per failure of the job, each time from a checkpoint, and its read_committed predictions and dead
 * letters must equal, record for record, those of a failure-free run of the same input. The input
 * also holds an at-least-once producer's resends of 10% of the events, some right away and some
 * after a failure: the predictions must still be Keras's on the clean stream, with one reject per
 * resend.
 */
class KafkaExactlyOnceFaultsTest {

    private static final int PARALLELISM = 3;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .setConfiguration(fastMetrics())
            .build());

    private static final Fixture FIXTURE = Fixture.named("keras3_lstm_seq");
    private static final String EVENTS = "faults-events";
    private static final int KEYS = 1000;
    private static final int EVENTS_PER_KEY = 6;
    private static final int FAULTS = 5;
    private static final int MAX_PARALLELISM = 128;
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static final List<String> MALFORMED = List.of(
            "{\"key\": \"c0/k0\", \"ts\": 3, \"x\": [0.1, 0.2",
            "{\"key\": \"c1/k1\", \"ts\": 7, \"x\": [0.5, 0.5]}",
            "{\"key\": \"c2/k3\", \"ts\": 9, \"x\": [NaN, 0, 0, 0]}",
            "{\"ts\": 11, \"x\": [1, 2, 3, 4]}");

    /** The REST API's metrics refresh often enough for a test to wait on {@code numRestarts}. */
    private static Configuration fastMetrics() {
        Configuration c = new Configuration();
        c.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(200));
        return c;
    }

    @RegisterExtension
    static final KafkaBroker KAFKA = KafkaBroker.forTests().topic(EVENTS, 4);

    @TempDir
    Path work;

    @Test
    void fiveSeededFailuresChangeNoCommittedRecord(@InjectClusterClient RestClusterClient<?> rest) throws Exception {
        long seed = InjectedFaults.seed("KafkaExactlyOnceFaultsTest", 2500545686146172856L);
        Random random = new Random(seed);
        List<Kind> plan = plan(random);
        System.out.println("KafkaExactlyOnceFaultsTest faults=" + plan);

        Input input = input(random);
        List<List<byte[]>> slices = input.slices();
        int letters = MALFORMED.size() + input.resends();
        System.out.println("KafkaExactlyOnceFaultsTest resends=" + input.resends());

        InjectedFaults.reset();
        Topics faulty = new Topics("faulty");
        JobClient job = submit(settings(faulty), true);
        int restarts = 0;
        for (int i = 0; i < FAULTS; i++) {
            Kind kind = plan.get(i);
            await("a checkpoint since the job (re)started", InjectedFaults::checkpointedSinceStart);
            long after = 1 + random.nextInt(slices.get(i).size() / 2);
            long start = InjectedFaults.predictions();
            if (kind != Kind.BROKER_RESTART) {
                InjectedFaults.arm(kind, after);
            }
            produce(slices.get(i));
            if (kind == Kind.BROKER_RESTART) {
                await(after + " predictions", () -> InjectedFaults.predictions() - start >= after);
                KAFKA.restart();
            } else {
                int fired = ++restarts;
                await(kind + " fired", () -> InjectedFaults.fired() == fired, () -> diagnosis(rest, job));
                await("restart " + fired + " counted", () -> restartsOf(rest, job) >= fired);
                // Every subtask restored a checkpoint before the next fault waits for a new one.
                await(
                        "every subtask restored " + fired + " times",
                        () -> InjectedFaults.restoredSubtasks() >= PARALLELISM * fired);
                KafkaJobs.awaitStatus(job, "running again", s -> s == org.apache.flink.api.common.JobStatus.RUNNING);
            }
        }
        produce(slices.get(FAULTS));
        Map<String, List<JsonNode>> withFaults = faulty.readAll(input.predictions(), letters);
        assertThat(restartsOf(rest, job))
                .as("restarts (seed %s): one per failure of the job, none silent", seed)
                .isEqualTo(restarts);
        assertThat(restoredCheckpoints(rest, job))
                .as("restores from a checkpoint (seed %s): every restart", seed)
                .isEqualTo(restarts);
        assertThat(InjectedFaults.restoredSubtasks())
                .as("subtasks that started from restored state (seed %s)", seed)
                .isEqualTo(PARALLELISM * restarts);
        KafkaJobs.cancel(job);

        Topics clean = new Topics("clean");
        JobClient reference = submit(settings(clean), false);
        Map<String, List<JsonNode>> withoutFaults = clean.readAll(input.predictions(), letters);
        KafkaJobs.cancel(reference);

        KafkaTopics.assertPredictionsMatch(
                withoutFaults.get(clean.predictions),
                expectedRows(),
                FIXTURE.file("keras").orElseThrow().getFileName().toString());
        assertThat(KafkaTopics.byKey(withFaults.get(faulty.predictions)))
                .as("predictions per key, record for record (seed %s)", seed)
                .isEqualTo(KafkaTopics.byKey(withoutFaults.get(clean.predictions)));
        assertThat(withFaults.get(faulty.deadLetters))
                .filteredOn(l -> l.get("stage").asText().equals("inference"))
                .as("resends rejected, each once (seed %s)", seed)
                .hasSize(input.resends())
                .allSatisfy(l -> assertThat(l.get("reason").asText()).contains("is not after the key's last ts="));
        assertThat(KafkaTopics.sorted(withFaults.get(faulty.deadLetters)))
                .as("dead letters, record for record (seed %s)", seed)
                .isEqualTo(KafkaTopics.sorted(withoutFaults.get(clean.deadLetters)));
    }

    /** {@link #FAULTS} failures, each kind at least once (more drawn if there is room), in an order drawn from the seed. */
    private static List<Kind> plan(Random random) {
        List<Kind> plan = new ArrayList<>(List.of(Kind.values()));
        assertThat(plan).as("failure kinds that fit in %d failures", FAULTS).hasSizeLessThanOrEqualTo(FAULTS);
        while (plan.size() < FAULTS) {
            plan.add(Kind.values()[random.nextInt(Kind.values().length)]);
        }
        Collections.shuffle(plan, random);
        return plan;
    }

    /** The output topics of one run. */
    private record Topics(String predictions, String deadLetters) {
        Topics(String run) throws Exception {
            this(run + "-predictions", run + "-dead-letters");
            KAFKA.createTopic(predictions, 3);
            KAFKA.createTopic(deadLetters, 1);
        }

        /** Everything committed, read to the end: at least the records expected, then until quiet. */
        Map<String, List<JsonNode>> readAll(int predictionCount, int letterCount) {
            try (KafkaTopics.Reader reader =
                    new KafkaTopics.Reader(KAFKA.bootstrapServers(), Map.of(predictions, 3, deadLetters, 1))) {
                reader.awaitAtLeast(predictions, predictionCount, WAIT);
                reader.awaitAtLeast(deadLetters, letterCount, WAIT);
                // A late duplicate would show up within a few more checkpoints.
                reader.drain(Duration.ofSeconds(2));
                assertThat(reader.records(predictions)).as(predictions).hasSize(predictionCount);
                assertThat(reader.records(deadLetters)).as(deadLetters).hasSize(letterCount);
                return Map.of(predictions, reader.records(predictions), deadLetters, reader.records(deadLetters));
            }
        }
    }

    private Map<String, String> settings(Topics topics) {
        Map<String, String> s = new HashMap<>();
        s.put("flink-rnn.model.path", FIXTURE.file("keras").orElseThrow().toString());
        s.put("flink-rnn.mode", FIXTURE.mode());
        s.put("flink-rnn.bundle.max-events", "64");
        s.put("flink-rnn.bundle.max-delay", "5 ms");
        s.put("flink-rnn.kafka.bootstrap-servers", KAFKA.bootstrapServers());
        s.put("flink-rnn.kafka.topic", EVENTS);
        s.put("flink-rnn.kafka.output-topic", topics.predictions());
        s.put("flink-rnn.kafka.dead-letter-topic", topics.deadLetters());
        s.put("flink-rnn.kafka.starting-offsets", "earliest");
        s.put("flink-rnn.kafka.group-id", topics.predictions());
        s.put("flink-rnn.kafka.transactional-id-prefix", topics.predictions());
        s.put("flink-rnn.kafka.transaction-timeout", "2 min");
        s.put("execution.checkpointing.interval", "300 ms");
        s.put(
                "execution.checkpointing.dir",
                work.resolve(topics.predictions()).toUri().toString());
        s.put("restart-strategy.type", "fixed-delay");
        s.put("restart-strategy.fixed-delay.attempts", String.valueOf(3 * FAULTS));
        s.put("restart-strategy.fixed-delay.delay", "200 ms");
        s.put("pipeline.max-parallelism", String.valueOf(MAX_PARALLELISM));
        s.put("parallelism.default", String.valueOf(PARALLELISM));
        return s;
    }

    private static JobClient submit(Map<String, String> settings, boolean faults) throws Exception {
        RunConfig config = RunConfig.of(settings);
        StreamExecutionEnvironment env = KafkaRnnJob.environment(config);
        KafkaRnnJob.build(env, config, faults ? InjectedFaults.TAPS : KafkaRnnJob.Taps.NONE);
        JobClient job = env.executeAsync(faults ? "flink-rnn with faults" : "flink-rnn without faults");
        KafkaJobs.awaitStatus(job, "running", s -> s == org.apache.flink.api.common.JobStatus.RUNNING);
        return job;
    }

    /** The records to produce, one slice before each failure and one after, and what they hold. */
    private record Input(List<List<byte[]>> slices, int predictions, int resends) {}

    /**
     * The fixture's keys copied to {@link #KEYS} keys (each its first {@link #EVENTS_PER_KEY}
     * events), interleaved step by step and cut into {@code FAULTS + 1} slices, with the malformed
     * records spread in. An at-least-once producer resends 10% of the events, byte for byte: half
     * right behind the original, half in a later slice, i.e. after one or more failures, as a
     * producer that saw no acknowledgement before a crash would. Each resend must be one reject.
     */
    private static Input input(Random random) {
        Map<String, List<CsvRow>> byKey = FIXTURE.eventRows().stream()
                .collect(Collectors.groupingBy(CsvRow::key, LinkedHashMap::new, Collectors.toList()));
        List<String> fixtureKeys = new ArrayList<>(byKey.keySet());
        List<CsvRow> rows = new ArrayList<>();
        Set<Integer> keyGroups = new HashSet<>();
        for (int k = 0; k < KEYS; k++) {
            String original = fixtureKeys.get(k % fixtureKeys.size());
            String key = copy(k / fixtureKeys.size(), original);
            keyGroups.add(KeyGroupRangeAssignment.assignToKeyGroup(key, MAX_PARALLELISM));
            List<CsvRow> events = byKey.get(original);
            events.subList(0, Math.min(EVENTS_PER_KEY, events.size()))
                    .forEach(r -> rows.add(new CsvRow(key, r.t(), r.values())));
        }
        assertThat(keyGroups).as("key groups with keys").hasSize(MAX_PARALLELISM);
        rows.sort(Comparator.comparingLong(CsvRow::t));
        List<List<byte[]>> slices = new ArrayList<>();
        List<List<byte[]>> resentLater = new ArrayList<>();
        for (int s = 0; s <= FAULTS; s++) {
            slices.add(new ArrayList<>());
            resentLater.add(new ArrayList<>());
        }
        int resends = 0;
        int every = rows.size() / (MALFORMED.size() + 1);
        for (int i = 0; i < rows.size(); i++) {
            int s = i * (FAULTS + 1) / rows.size();
            List<byte[]> slice = slices.get(s);
            if (i > 0 && i % every == 0 && i / every <= MALFORMED.size()) {
                slice.add(MALFORMED.get(i / every - 1).getBytes(StandardCharsets.UTF_8));
            }
            byte[] event = KafkaTopics.event(rows.get(i));
            slice.add(event);
            if (random.nextInt(10) == 0) {
                resends++;
                boolean later = s < FAULTS && random.nextBoolean();
                (later ? resentLater.get(s + 1 + random.nextInt(FAULTS - s)) : slice).add(event);
            }
        }
        for (int s = 0; s <= FAULTS; s++) {
            List<byte[]> slice = slices.get(s);
            resentLater.get(s).forEach(r -> slice.add(random.nextInt(slice.size() + 1), r));
        }
        return new Input(slices, rows.size(), resends);
    }

    private static String copy(int copy, String key) {
        return "c" + copy + "/" + key;
    }

    private static List<CsvRow> expectedRows() {
        Map<String, List<CsvRow>> byKey = FIXTURE.expectedRows().stream()
                .collect(Collectors.groupingBy(CsvRow::key, LinkedHashMap::new, Collectors.toList()));
        List<String> fixtureKeys = new ArrayList<>(byKey.keySet());
        List<CsvRow> rows = new ArrayList<>();
        for (int k = 0; k < KEYS; k++) {
            String original = fixtureKeys.get(k % fixtureKeys.size());
            String key = copy(k / fixtureKeys.size(), original);
            List<CsvRow> keras = byKey.get(original);
            keras.subList(0, Math.min(EVENTS_PER_KEY, keras.size()))
                    .forEach(r -> rows.add(new CsvRow(key, r.t(), r.values())));
        }
        return rows;
    }

    /** Sends the records keyed by their event key, so that each key's events share a partition. */
    private static void produce(List<byte[]> records) {
        try (KafkaProducer<byte[], byte[]> producer = KafkaTopics.producer(KAFKA.bootstrapServers())) {
            for (byte[] value : records) {
                producer.send(new ProducerRecord<>(EVENTS, KafkaTopics.recordKey(value), value));
            }
        }
    }

    /** The job's {@code numRestarts} metric, from the cluster's REST API. */
    private static long restartsOf(RestClusterClient<?> rest, JobClient job) {
        JsonNode metrics = get(rest, "/jobs/" + job.getJobID() + "/metrics?get=numRestarts");
        return metrics.size() == 0 ? 0 : metrics.get(0).get("value").asLong();
    }

    /** How many times the job restored a checkpoint, from the REST API's checkpoint statistics. */
    private static long restoredCheckpoints(RestClusterClient<?> rest, JobClient job) {
        return get(rest, "/jobs/" + job.getJobID() + "/checkpoints")
                .get("counts")
                .get("restored")
                .asLong();
    }

    private static JsonNode get(RestClusterClient<?> rest, String path) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(rest.getWebInterfaceURL() + path))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return KafkaTopics.JSON.readTree(response.body());
        } catch (Exception e) {
            throw new IllegalStateException("GET " + path, e);
        }
    }

    /** What the job was doing, for a failure message. */
    private static String diagnosis(RestClusterClient<?> rest, JobClient job) {
        JsonNode exceptions = get(rest, "/jobs/" + job.getJobID() + "/exceptions");
        return "predictions seen " + InjectedFaults.predictions() + ", armed " + InjectedFaults.armed()
                + ", checkpointed since start " + InjectedFaults.checkpointedSinceStart() + ", restarts "
                + restartsOf(rest, job) + ", last exception: "
                + exceptions
                        .path("exceptionHistory")
                        .path("entries")
                        .path(0)
                        .path("exceptionName")
                        .asText()
                + " "
                + exceptions
                        .path("exceptionHistory")
                        .path("entries")
                        .path(0)
                        .path("stacktrace")
                        .asText()
                        .lines()
                        .limit(3)
                        .toList();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        await(what, condition, () -> "");
    }

    /** Polls {@code condition} every 50 ms until it holds, for at most {@link #WAIT}. */
    private static void await(String what, BooleanSupplier condition, java.util.function.Supplier<String> diagnosis)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + WAIT + " for " + what + "; " + diagnosis.get());
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }
}
