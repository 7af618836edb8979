package io.flinkrnn.bench;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.engine.Mode;
import io.flinkrnn.jobs.state.RnnStates;
import io.flinkrnn.model.KerasModels;
import io.flinkrnn.operators.ModelSource;
import io.flinkrnn.operators.RnnInference;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code state bootstrap} at scale: writes a history of N keys × E events (keys interleaved, one
 * round of every key after another, as a live stream would have them) streamed to a CSV, then
 * bootstraps a savepoint from it with {@link RnnStates#bootstrap}, what {@code flink-rnn state
 * bootstrap} runs: the history split by key into bucket files (in the work directory, beside the
 * CSV), then each key's events served together and its state written once. Prints progress lines
 * while it works (rows split, keys served), then the elapsed times, the peak heap and resident
 * memory (bounded: one bucket per subtask on the heap, never the whole history, and the states in
 * RocksDB) and the savepoint's bytes per key.
 */
@Command(
        name = "bootstrap",
        mixinStandardHelpOptions = true,
        description = "state bootstrap of N keys x E history events into a savepoint: time, memory, bytes per key")
final class BootstrapCommand implements Callable<Integer> {

    @Option(names = "--keys", defaultValue = "1000000", description = "keys (default ${DEFAULT-VALUE})")
    int keys;

    @Option(
            names = "--events-per-key",
            defaultValue = "20",
            description = "history events per key (default ${DEFAULT-VALUE})")
    int eventsPerKey;

    @Option(names = "--model", defaultValue = "bench/models/lstm96x2_window4.h5", description = "served stateful")
    Path model;

    @Option(
            names = "--state-backend",
            defaultValue = "rocksdb",
            description = "where bootstrap keeps the states: hashmap or rocksdb (default ${DEFAULT-VALUE})")
    String stateBackend;

    @Option(names = "--work-dir", description = "where the history and savepoint go (default: a temporary directory)")
    Path workDir;

    @Option(names = "--progress-seconds", defaultValue = "10", description = "seconds between progress lines")
    int progressSeconds;

    @Option(names = "--quick", description = "20,000 keys")
    boolean quick;

    @Override
    public Integer call() throws Exception {
        Locale.setDefault(Locale.ROOT);
        int n = quick ? 20_000 : keys;
        Machine.header(
                "bootstrap --keys " + n + " --events-per-key " + eventsPerKey + " --state-backend " + stateBackend);
        InferenceModel probe = InferenceModel.compile(KerasModels.load(model), Mode.stateful());
        System.out.printf(
                "# model %s, stateful: %d features per event, %d floats of state per key; %,d keys x %d events;"
                        + " local environment at parallelism %d%n",
                model.getFileName(),
                probe.inputSize(),
                probe.stateLayout().size(),
                n,
                eventsPerKey,
                Runtime.getRuntime().availableProcessors());
        Path dir =
                workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("flink-rnn-bootstrap");
        Path history = dir.resolve("history.csv");
        Path savepoint = dir.resolve("savepoint");
        try (MemoryWatch memory = MemoryWatch.start(progressSeconds)) {
            long started = System.nanoTime();
            memory.phase("writing the history");
            writeHistory(history, n, eventsPerKey, probe.inputSize(), memory);
            double written = (System.nanoTime() - started) / 1e9;
            memory.phase("bootstrapping (splits the history by key into buckets, then serves them)");
            long booted = System.nanoTime();
            RnnStates.Bootstrap result = RnnStates.bootstrap(
                    RnnInference.forModel(ModelSource.of(model.toAbsolutePath()))
                            .mode("stateful"),
                    history,
                    savepoint.toUri().toString(),
                    128,
                    RnnStates.DEFAULT_UID,
                    RnnStates.bootstrapBackend(stateBackend),
                    dir,
                    memory::progress);
            double bootstrap = (System.nanoTime() - booted) / 1e9;
            memory.phase("done");
            long savepointBytes = size(savepoint);
            long events = result.history().events();
            System.out.println();
            System.out.println("| keys | events | history CSV | state backend | write history s | bootstrap s |"
                    + " events/s | peak heap used | peak RSS | savepoint bytes/key |");
            System.out.println("| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            System.out.printf(
                    "| %,d | %,d | %,d MiB | %s | %.1f | %.1f | %,.0f | %,d MiB | %,d MiB | %,d |%n",
                    result.history().keys(),
                    events,
                    Files.size(history) >> 20,
                    stateBackend,
                    written,
                    bootstrap,
                    events / bootstrap,
                    memory.peakHeap() >> 20,
                    MemoryWatch.peakResident() >> 20,
                    savepointBytes / Math.max(1, result.history().keys()));
            if (result.history().rejected() > 0) {
                throw new IllegalStateException("the generated history had rejected rows: "
                        + result.history().firstRejection());
            }
        } finally {
            if (workDir == null) {
                delete(dir);
            }
        }
        Machine.footer();
        return 0;
    }

    /**
     * Streams the history to {@code file}: round e holds event e of every key, so each key's events
     * come in time order with all other keys between them; nothing but one line is held.
     */
    private static void writeHistory(Path file, int keys, int events, int features, MemoryWatch memory)
            throws IOException {
        Random random = new Random(21);
        long rows = 0;
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            StringBuilder line = new StringBuilder("key,t");
            for (int f = 0; f < features; f++) {
                line.append(",x").append(f);
            }
            out.write(line.append('\n').toString());
            for (int round = 0; round < events; round++) {
                for (int k = 0; k < keys; k++) {
                    line.setLength(0);
                    line.append("sensor-").append(k).append(',').append(1_000L * round + k % 1_000);
                    for (int f = 0; f < features; f++) {
                        // Three decimals in [-1, 1): cheap to write and to parse, like a sensor's readings.
                        line.append(',').append((random.nextInt(2_000) - 1_000) / 1_000f);
                    }
                    out.write(line.append('\n').toString());
                    rows++;
                }
                memory.progress(String.format("round %d of %d written, %,d rows", round + 1, events, rows));
            }
        }
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(f -> {
                        try {
                            return Files.size(f);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .sum();
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
