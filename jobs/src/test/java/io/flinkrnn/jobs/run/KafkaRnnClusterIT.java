package io.flinkrnn.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.jobs.cluster.FlinkRuntime;
import io.flinkrnn.jobs.cluster.StandaloneCluster;
import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.operators.ModelSource;
import io.flinkrnn.operators.RnnInference;
import io.flinkrnn.operators.RnnOptions;
import io.flinkrnn.operators.internal.model.ModelLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * flink-rnn-job.jar on a real standalone Flink 2.2.1 session cluster: one JobManager and two
 * TaskManagers, each its own JVM on 127.0.0.1, RocksDB state and checkpoints on local disk, a real
 * KRaft Kafka broker, and Flink's own CLI to submit and stop. While events for many keys stream in,
 * a TaskManager is killed with {@code kill -9} {@link #KILLS} times, at points and on TaskManagers
 * drawn from a printed seed ({@code -Dflinkrnn.faults.seed}, as in KafkaExactlyOnceFaultsTest),
 * and a new one started each time: the job must restart once per kill, each time from a
 * checkpoint. Later it is stopped with a savepoint and resubmitted from it at another parallelism.
 * The read_committed predictions must be exactly what Keras computed (every event's output once, in
 * order per key, no duplicates, no gaps), and both output topics must equal, record for record,
 * those of a failure-free run of the same events topic on the same cluster. At the end the
 * TaskManagers' Prometheus endpoints must show the operator's metrics of the resumed job with the
 * values it served.
 *
 * <p>The keys: the keys of the fixture {@code keras3_stacked_long} (LSTM→GRU→Dense, one key with
 * 1,200 steps) are streamed under many names ({@link #copies}), in every key group. A key is a
 * batch row of a stateful Keras RNN (docs/SEMANTICS.md section 1), so every copy must get its
 * original's Keras outputs.
 */
@Tag("cluster")
class KafkaRnnClusterIT {

    private static final Fixture FIXTURE = Fixture.named("keras3_stacked_long");
    /** Copies of the fixture's long key (1,200 steps), all starting at step 0. */
    private static final int LONG_COPIES = 16;
    /** Copies of each short key (45 steps at most), copy r starting {@code r * SPREAD} steps in. */
    private static final int SHORT_COPIES = 256;

    private static final int SPREAD = 4;
    /** A fixture key with more events than this is the long key. */
    private static final int SHORT = 100;

    private static final int MAX_PARALLELISM = 128;
    private static final int KILLS = 2;
    private static final int STEPS_PER_SECOND = 25;
    private static final String EVENTS = "events";
    /** The topics of the run with TaskManager kills, and of the failure-free run it must equal. */
    private static final String FAULTY = "";

    private static final String CLEAN = "clean-";
    private static final String PREDICTIONS = "predictions";
    private static final String DEAD_LETTERS = "dead-letters";
    /** The job's restarts, from the REST API's job metrics. */
    private static final String RESTARTS = "/jobs/%s/metrics?get=numRestarts";

    private static final List<String> MALFORMED = List.of(
            "{\"key\": \"long-0/00\", \"ts\": 3, \"x\": [0.1, 0.2",
            "{\"key\": \"k1/01\", \"ts\": 7, \"x\": [0.5, 0.5]}",
            "{\"key\": \"sensor-2/02\", \"ts\": 9, \"x\": [NaN, 0, 0, 0]}",
            "{\"ts\": 11, \"x\": [1, 2, 3, 4]}");

    @Test
    void survivesKilledTaskManagersAndRescalesFromASavepointWithKerasOutputsExactlyOnce() throws Exception {
        Random random = new Random(InjectedFaults.seed("KafkaRnnClusterIT", 7_271_029_153_046_113_939L));
        Path root = Path.of(System.getProperty("flinkrnn.root", ".."))
                .toAbsolutePath()
                .normalize();
        Path jobJar = Path.of(System.getProperty("flinkrnn.job.jar", "target/flink-rnn-job.jar"))
                .toAbsolutePath();
        assertThat(jobJar).as("mvn package builds it").exists();
        Path work = Path.of(System.getProperty("flinkrnn.cluster.dir", "target/cluster-test"))
                .toAbsolutePath();
        StandaloneCluster.killLeftovers(work.resolve("flink"));
        deleteRecursively(work);
        Files.createDirectories(work);
        long t0 = System.nanoTime();
        String classpath = FlinkRuntime.classpath(root, work.resolve("flink.classpath"));
        log(t0, "Flink runtime resolved (" + classpath.split(":").length + " jars)");

        Map<String, List<byte[]>> steps = eventsByStep();
        int totalRecords = steps.values().stream().mapToInt(List::size).sum();
        List<CsvRow> expected = expectedRows();

        // The JobManager and TaskManager JVMs boot while the broker starts in this JVM.
        try (StandaloneCluster cluster =
                        StandaloneCluster.startJobManager(work.resolve("flink"), classpath, clusterSettings());
                KafkaBroker kafka = startTaskManagersAndKafka(cluster, work)) {
            kafka.createTopic(EVENTS, 4);
            for (String run : List.of(FAULTY, CLEAN)) {
                kafka.createTopic(run + PREDICTIONS, 4);
                kafka.createTopic(run + DEAD_LETTERS, 1);
            }
            cluster.awaitTaskManagers(2, 4, Duration.ofSeconds(90));
            log(t0, "cluster up: 1 JobManager, 2 TaskManagers x 2 slots; Kafka broker up");

            Path runYaml = writeRunConfig(work, kafka.bootstrapServers(), FAULTY);
            CountDownLatch resumeProducer = new CountDownLatch(1);
            AtomicInteger produced = new AtomicInteger();
            int holdAt = steps.size() * 9 / 10;
            CompletableFuture<Void> producer = null;
            Map<String, List<JsonNode>> faulty;

            try (KafkaTopics.Reader reader = reader(kafka, FAULTY)) {
                // 1. Submit at parallelism 4: both TaskManagers' slots are used.
                String first = cluster.submit(jobJar.toString(), "--config", runYaml.toString(), "--parallelism", "4");
                cluster.awaitAllTasksRunning(first, Duration.ofSeconds(90));
                log(t0, "job " + first + " running at parallelism 4");
                producer = CompletableFuture.runAsync(
                        () -> produce(kafka.bootstrapServers(), steps, holdAt, resumeProducer, produced));

                // 2. kill -9 a TaskManager at seeded points mid-stream, each time starting a new one.
                List<String> live = new ArrayList<>(List.of("taskmanager-1", "taskmanager-2"));
                long restoredId = 0;
                for (int kill = 1; kill <= KILLS; kill++) {
                    int killAt = (int) (expected.size() * (0.1 + 0.25 * (kill - 1) + 0.15 * random.nextDouble()));
                    String victim = live.remove(random.nextInt(live.size()));
                    awaitCheckpointAfter(cluster, first, restoredId);
                    reader.awaitAtLeast(FAULTY + PREDICTIONS, killAt, Duration.ofSeconds(120));
                    int outputsAtKill = reader.records(FAULTY + PREDICTIONS).size();
                    long killedAt = System.nanoTime();
                    cluster.kill9(victim);
                    int producedAtKill = produced.get();
                    log(
                            t0,
                            "kill " + kill + ": kill -9 " + victim + " after " + outputsAtKill
                                    + " committed outputs (drawn: " + killAt + "), " + producedAtKill + " of "
                                    + totalRecords + " events produced");
                    assertThat(outputsAtKill)
                            .as("outputs committed before kill %d", kill)
                            .isLessThan(expected.size());
                    assertThat(producedAtKill)
                            .as("events still to come at kill %d", kill)
                            .isLessThan(totalRecords);
                    String replacement = "taskmanager-" + (2 + kill);
                    cluster.startTaskManager(replacement);
                    live.add(replacement);

                    int restores = kill;
                    JsonNode restored = cluster.await(
                                    "job " + first + " restored from a checkpoint " + restores + " times",
                                    "/jobs/" + first + "/checkpoints",
                                    c -> c.path("counts").path("restored").asInt() == restores
                                            && c.path("latest").path("restored").has("id"),
                                    Duration.ofSeconds(180))
                            .path("latest")
                            .path("restored");
                    assertThat(restored.path("is_savepoint").asBoolean()).isFalse();
                    restoredId = restored.path("id").asLong();
                    cluster.awaitAllTasksRunning(first, Duration.ofSeconds(180));
                    cluster.awaitTaskManagers(2, 4, Duration.ofSeconds(30));
                    log(
                            t0,
                            String.format(
                                    "recovered from checkpoint %d in %.1f s, all tasks running on %s",
                                    restoredId, (System.nanoTime() - killedAt) / 1e9, live));
                }
                // One restart per kill, none silent, each from a checkpoint (the REST statistics).
                cluster.await(
                        KILLS + " restarts of " + first,
                        RESTARTS.formatted(first),
                        m -> m.path(0).path("value").asInt() >= KILLS,
                        Duration.ofSeconds(30));

                // 3. Stop with a savepoint mid-stream, resubmit from it at parallelism 2.
                awaitCheckpointAfter(cluster, first, restoredId);
                reader.awaitAtLeast(FAULTY + PREDICTIONS, expected.size() * 2 / 3, Duration.ofSeconds(120));
                assertThat(cluster.rest(RESTARTS.formatted(first))
                                .path(0)
                                .path("value")
                                .asInt())
                        .as("restarts: one per TaskManager killed")
                        .isEqualTo(KILLS);
                assertThat(cluster.rest("/jobs/" + first + "/checkpoints")
                                .path("counts")
                                .path("restored")
                                .asInt())
                        .as("restores from a checkpoint: one per restart")
                        .isEqualTo(KILLS);
                String savepoint = cluster.stopWithSavepoint(first, work.resolve("savepoints"));
                reader.drain(Duration.ofMillis(300));
                int atSavepoint = reader.records(FAULTY + PREDICTIONS).size();
                log(
                        t0,
                        "stopped " + first + " with savepoint " + savepoint + " after " + atSavepoint
                                + " committed outputs, " + produced.get() + " events produced");
                assertThat(cluster.rest("/jobs/" + first).path("state").asText())
                        .isEqualTo("FINISHED");
                assertThat(produced.get())
                        .as("events still to come at the savepoint")
                        .isLessThan(totalRecords);

                String second = cluster.submit(
                        "-s", savepoint, jobJar.toString(), "--config", runYaml.toString(), "--parallelism", "2");
                JsonNode job = cluster.awaitAllTasksRunning(second, Duration.ofSeconds(90));
                for (JsonNode v : job.path("vertices")) {
                    // RnnInference's control stream comes from a non-parallel (and here empty) source.
                    int parallelism = v.path("name").asText().endsWith("no-controls") ? 1 : 2;
                    assertThat(v.path("parallelism").asInt())
                            .as(v.path("name").asText())
                            .isEqualTo(parallelism);
                }
                JsonNode fromSavepoint = cluster.rest("/jobs/" + second + "/checkpoints")
                        .path("latest")
                        .path("restored");
                assertThat(fromSavepoint.path("is_savepoint").asBoolean())
                        .as("restored from the savepoint: %s", fromSavepoint)
                        .isTrue();
                log(t0, "job " + second + " running at parallelism 2 from the savepoint");
                resumeProducer.countDown();

                // 4. Everything arrives, exactly once.
                producer.get(120, TimeUnit.SECONDS);
                faulty = readToTheEnd(cluster, second, reader, FAULTY, expected.size());
                assertOperatorMetrics(cluster, second, live);
                cluster.cancel(second);
                log(
                        t0,
                        "all outputs committed; " + faulty.get(PREDICTIONS).size() + " predictions, "
                                + faulty.get(DEAD_LETTERS).size() + " dead letters");
            } finally {
                resumeProducer.countDown();
                if (producer != null) {
                    producer.cancel(true);
                }
            }

            // 5. A failure-free run of the same events topic, for the record-for-record comparison.
            String reference = cluster.submit(
                    jobJar.toString(),
                    "--config",
                    writeRunConfig(work, kafka.bootstrapServers(), CLEAN).toString(),
                    "--parallelism",
                    "4");
            Map<String, List<JsonNode>> clean;
            try (KafkaTopics.Reader reader = reader(kafka, CLEAN)) {
                cluster.awaitAllTasksRunning(reference, Duration.ofSeconds(90));
                clean = readToTheEnd(cluster, reference, reader, CLEAN, expected.size());
                cluster.cancel(reference);
            }
            log(
                    t0,
                    "failure-free run " + reference + " committed "
                            + clean.get(PREDICTIONS).size() + " predictions");

            KafkaTopics.assertPredictionsMatch(faulty.get(PREDICTIONS), expected, "stacked-long-v1");
            assertDeadLetters(faulty.get(DEAD_LETTERS));
            assertThat(KafkaTopics.byKey(faulty.get(PREDICTIONS)))
                    .as("predictions per key, record for record, as in the failure-free run")
                    .isEqualTo(KafkaTopics.byKey(clean.get(PREDICTIONS)));
            assertThat(KafkaTopics.sorted(faulty.get(DEAD_LETTERS)))
                    .as("dead letters, record for record, as in the failure-free run")
                    .isEqualTo(KafkaTopics.sorted(clean.get(DEAD_LETTERS)));
        }
        log(t0, "cluster stopped");
    }

    /** Waits until {@code jobId} completed a checkpoint after {@code checkpointId}: one to restart from. */
    private static void awaitCheckpointAfter(StandaloneCluster cluster, String jobId, long checkpointId)
            throws Exception {
        cluster.await(
                "a checkpoint of " + jobId + " after checkpoint " + checkpointId,
                "/jobs/" + jobId + "/checkpoints",
                c -> c.path("latest").path("completed").path("id").asLong() > checkpointId,
                Duration.ofSeconds(60));
    }

    private static KafkaTopics.Reader reader(KafkaBroker kafka, String run) {
        return new KafkaTopics.Reader(kafka.bootstrapServers(), Map.of(run + PREDICTIONS, 4, run + DEAD_LETTERS, 1));
    }

    /**
     * Everything {@code run}'s job {@code jobId} committed, read to the end: at least the records
     * expected, then two more checkpoints (a duplicate would be committed by one of them), then
     * until quiet. Keyed by {@link #PREDICTIONS} and {@link #DEAD_LETTERS}.
     */
    private static Map<String, List<JsonNode>> readToTheEnd(
            StandaloneCluster cluster, String jobId, KafkaTopics.Reader reader, String run, int predictions)
            throws Exception {
        reader.awaitAtLeast(run + PREDICTIONS, predictions, Duration.ofSeconds(180));
        reader.awaitAtLeast(run + DEAD_LETTERS, MALFORMED.size(), Duration.ofSeconds(30));
        cluster.awaitCompletedCheckpoints(
                jobId,
                cluster.rest("/jobs/" + jobId + "/checkpoints")
                                .path("counts")
                                .path("completed")
                                .asInt()
                        + 2,
                Duration.ofSeconds(60));
        reader.drain(Duration.ofMillis(500));
        return Map.of(PREDICTIONS, reader.records(run + PREDICTIONS), DEAD_LETTERS, reader.records(run + DEAD_LETTERS));
    }

    private static KafkaBroker startTaskManagersAndKafka(StandaloneCluster cluster, Path work) throws Exception {
        cluster.startTaskManager("taskmanager-1");
        cluster.startTaskManager("taskmanager-2");
        return KafkaBroker.start(work.resolve("kafka"));
    }

    private static Map<String, String> clusterSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("jobmanager.memory.process.size", "1024m");
        s.put("taskmanager.memory.process.size", "1280m");
        s.put("taskmanager.numberOfTaskSlots", "2");
        s.put("state.backend.type", "rocksdb");
        // A killed TaskManager is declared lost after two failed heartbeat RPCs (2 to 3 s); the
        // restart waits longer, so that it never deploys to the dead TaskManager's slots, which
        // would fail again and count a second restart for one kill.
        s.put("heartbeat.interval", "1000");
        s.put("heartbeat.timeout", "20000");
        s.put("restart-strategy.type", "fixed-delay");
        s.put("restart-strategy.fixed-delay.attempts", "100");
        s.put("restart-strategy.fixed-delay.delay", "6 s");
        // numRestarts, read from the REST API, is at most a second old.
        s.put("metrics.fetcher.update-interval", "1000");
        // As in docker/ and deploy/kubernetes/; StandaloneCluster gives each process its own port.
        s.put("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        return s;
    }

    /** The run configuration of {@code run}: its output topics, group and transactional ids carry its name. */
    private static Path writeRunConfig(Path work, String bootstrap, String run) throws IOException {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("flink-rnn.model.path", FIXTURE.file("keras").orElseThrow().toString());
        s.put("flink-rnn.model.version", "stacked-long-v1");
        s.put("flink-rnn.mode", FIXTURE.mode());
        s.put("flink-rnn.bundle.max-events", "64");
        s.put("flink-rnn.bundle.max-delay", "5 ms");
        s.put("flink-rnn.kafka.bootstrap-servers", bootstrap);
        s.put("flink-rnn.kafka.topic", EVENTS);
        s.put("flink-rnn.kafka.output-topic", run + PREDICTIONS);
        s.put("flink-rnn.kafka.dead-letter-topic", run + DEAD_LETTERS);
        s.put("flink-rnn.kafka.starting-offsets", "earliest");
        s.put("flink-rnn.kafka.group-id", run + "cluster-it");
        s.put("flink-rnn.kafka.transactional-id-prefix", run + "cluster-it");
        s.put("execution.checkpointing.interval", "1 s");
        s.put(
                "execution.checkpointing.dir",
                work.resolve(run + "checkpoints").toUri().toString());
        s.put("state.backend.type", "rocksdb");
        s.put("pipeline.max-parallelism", String.valueOf(MAX_PARALLELISM));
        Path file = work.resolve(run + "run.yaml");
        Files.writeString(
                file,
                s.entrySet().stream()
                        .map(e -> e.getKey() + ": \"" + e.getValue() + "\"")
                        .collect(Collectors.joining("\n", "", "\n")));
        return file;
    }

    /**
     * Scrapes both live TaskManagers the way Prometheus would and checks the inference operator's
     * metrics of the job resumed from the savepoint: every key came back with its state (none is new
     * after the savepoint), every event it received was served, and the version and state size are
     * those of the model. The fixture's timestamps are step numbers, not epoch milliseconds, so the
     * latency histogram is only counted here (RnnMetricsTest checks its values).
     */
    private static void assertOperatorMetrics(StandaloneCluster cluster, String jobId, List<String> taskManagers)
            throws Exception {
        List<Sample> samples = new ArrayList<>();
        for (String taskManager : taskManagers) {
            samples.addAll(Sample.parse(cluster.scrapePrometheus(taskManager), jobId));
        }
        assertThat(samples.stream().filter(m -> m.name().equals("events")).map(m -> m.labels()
                        .get("subtask_index")))
                .as("flinkrnn_events of each subtask, in %s", samples)
                .containsExactlyInAnyOrder("0", "1");
        assertThat(Sample.sum(samples, "keysWithState"))
                .as("keys with state: restored from the savepoint, or started after it")
                .isEqualTo(copies().size());
        double events = Sample.sum(samples, "events");
        assertThat(events).as("events after the savepoint").isPositive();
        assertThat(Sample.sum(samples, "outputs")).isEqualTo(events);
        assertThat(Sample.sum(samples, "latencyMillis_count")).isEqualTo(events);
        assertThat(Sample.sum(samples, "rejects")).isZero();
        assertThat(Sample.sum(samples, "lateEvents")).isZero();
        assertThat(Sample.sum(samples, "modelSwaps")).isZero();
        assertThat(Sample.sum(samples, "eventsPerSecond")).isNotNegative();

        ModelSource model = ModelSource.of(FIXTURE.file("keras").orElseThrow());
        Configuration mode = Configuration.fromMap(Map.of(RnnOptions.MODE.key(), FIXTURE.mode()));
        int stateFloats = ModelLoader.load(
                        model, RnnInference.forModel(model).configure(mode).settings())
                .model()
                .newState()
                .length;
        assertThat(samples.stream().filter(m -> m.name().equals("stateBytesPerKey")))
                .as("24-byte header and the float32 states")
                .hasSize(2)
                .allSatisfy(m -> assertThat(m.value()).isEqualTo(16 + 4.0 * stateFloats));
        // Label values keep [a-zA-Z0-9:_] only; the reporter turns '-' into '_'.
        assertThat(samples.stream().filter(m -> m.name().equals("model_version_modelInfo")))
                .hasSize(2)
                .allSatisfy(m -> {
                    assertThat(m.labels()).containsEntry("model_version", "stacked_long_v1");
                    assertThat(m.value()).isEqualTo(1.0);
                });
        assertThat(samples.stream()
                        .filter(m -> m.name().equals("stepRows") && m.labels().containsKey("quantile")))
                .isNotEmpty()
                .allSatisfy(m -> assertThat(m.value()).isBetween(1.0, 64.0));
    }

    /** One line of a Prometheus scrape of the operator's {@code flinkrnn} metrics, named without the prefix. */
    private record Sample(String name, Map<String, String> labels, double value) {
        private static final Pattern LINE = Pattern.compile(
                "^flink_taskmanager_job_task_operator_flinkrnn_(\\w+)\\{(.*)} (\\S+)$", Pattern.MULTILINE);
        private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

        static List<Sample> parse(String scrape, String jobId) {
            List<Sample> samples = new ArrayList<>();
            Matcher line = LINE.matcher(scrape);
            while (line.find()) {
                Map<String, String> labels = new HashMap<>();
                Matcher label = LABEL.matcher(line.group(2));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2));
                }
                if (jobId.equals(labels.get("job_id"))) {
                    samples.add(new Sample(line.group(1), labels, Double.parseDouble(line.group(3))));
                }
            }
            return samples;
        }

        static double sum(List<Sample> samples, String name) {
            return samples.stream()
                    .filter(m -> m.name().equals(name))
                    .mapToDouble(Sample::value)
                    .sum();
        }
    }

    /** A copy of a fixture key: its name, the fixture key it copies, and how many steps later it starts. */
    private record Copy(String key, String original, long offset) {}

    /**
     * The keys streamed: {@link #LONG_COPIES} copies of the long key and {@link #SHORT_COPIES} of
     * each short one, the short copies' starts spread over the stream so that keys start, run and end
     * around every kill; together they fall in every one of the {@link #MAX_PARALLELISM} key groups.
     */
    private static List<Copy> copies() {
        Map<String, Long> events = FIXTURE.eventRows().stream()
                .collect(Collectors.groupingBy(CsvRow::key, LinkedHashMap::new, Collectors.counting()));
        List<Copy> copies = new ArrayList<>();
        events.forEach((key, n) -> {
            boolean isLong = n > SHORT;
            for (int r = 0; r < (isLong ? LONG_COPIES : SHORT_COPIES); r++) {
                copies.add(new Copy(String.format("%s/%03d", key, r), key, isLong ? 0 : (long) r * SPREAD));
            }
        });
        assertThat(copies.stream()
                        .map(c -> KeyGroupRangeAssignment.assignToKeyGroup(c.key(), MAX_PARALLELISM))
                        .distinct())
                .as("key groups with keys")
                .hasSize(MAX_PARALLELISM);
        return copies;
    }

    /** The fixture's {@code rows} for every copy of their key, {@code ts} moved by the copy's offset. */
    private static List<CsvRow> copied(List<CsvRow> rows) {
        Map<String, List<Copy>> byOriginal = copies().stream().collect(Collectors.groupingBy(Copy::original));
        List<CsvRow> out = new ArrayList<>();
        for (CsvRow row : rows) {
            for (Copy c : byOriginal.get(row.key())) {
                out.add(new CsvRow(c.key(), row.t() + c.offset(), row.values()));
            }
        }
        return out;
    }

    /** Every copied event as JSON, grouped by step; malformed records spread in. */
    private static Map<String, List<byte[]>> eventsByStep() {
        TreeMap<Long, List<byte[]>> byStep = new TreeMap<>();
        for (CsvRow row : copied(FIXTURE.eventRows())) {
            byStep.computeIfAbsent(row.t(), t -> new ArrayList<>()).add(KafkaTopics.event(row));
        }
        long last = byStep.lastKey();
        for (int i = 0; i < MALFORMED.size(); i++) {
            byStep.get(last * (i + 1) / (MALFORMED.size() + 1))
                    .add(MALFORMED.get(i).getBytes(StandardCharsets.UTF_8));
        }
        Map<String, List<byte[]>> ordered = new LinkedHashMap<>();
        byStep.forEach((t, records) -> ordered.put(String.valueOf(t), records));
        return ordered;
    }

    private static List<CsvRow> expectedRows() {
        return copied(FIXTURE.expectedRows());
    }

    /**
     * Sends step after step at {@link #STEPS_PER_SECOND}, each record keyed by its event key; holds
     * before step {@code holdAt} until {@code resume} opens, so that the last part of the stream is
     * left for the job resumed from the savepoint.
     */
    private static void produce(
            String bootstrap,
            Map<String, List<byte[]>> steps,
            int holdAt,
            CountDownLatch resume,
            AtomicInteger produced) {
        try (KafkaProducer<byte[], byte[]> producer = KafkaTopics.producer(bootstrap)) {
            long start = System.nanoTime();
            int step = 0;
            for (List<byte[]> records : steps.values()) {
                if (step == holdAt) {
                    producer.flush();
                    if (!resume.await(10, TimeUnit.MINUTES)) {
                        throw new IllegalStateException("producer held for 10 minutes");
                    }
                    start = System.nanoTime() - TimeUnit.SECONDS.toNanos(step) / STEPS_PER_SECOND;
                }
                for (byte[] value : records) {
                    producer.send(new ProducerRecord<>(EVENTS, KafkaTopics.recordKey(value), value));
                    produced.incrementAndGet();
                }
                step++;
                long due = start + TimeUnit.SECONDS.toNanos(step) / STEPS_PER_SECOND;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void assertDeadLetters(List<JsonNode> letters) {
        assertThat(letters).as("dead letters, each once").hasSize(MALFORMED.size());
        Map<String, String> stageByPayload = new HashMap<>();
        letters.forEach(l ->
                stageByPayload.put(l.get("payload").asText(), l.get("stage").asText()));
        assertThat(stageByPayload.keySet()).containsExactlyInAnyOrderElementsOf(MALFORMED);
        assertThat(stageByPayload.values()).containsOnly("parse");
    }

    private static void log(long t0, String message) {
        System.out.printf("[cluster-test %6.1f s] %s%n", (System.nanoTime() - t0) / 1e9, message);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
