package io.flinkrnn.bench;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.engine.Mode;
import io.flinkrnn.model.KerasModels;
import io.flinkrnn.operators.ModelSource;
import io.flinkrnn.operators.Prediction;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.RnnInference;
import io.flinkrnn.operators.RnnOptions;
import io.flinkrnn.operators.internal.EnumOptions;
import io.flinkrnn.operators.internal.RnnInferenceOperator;
import io.flinkrnn.operators.state.FloatBytes;
import io.flinkrnn.operators.state.RocksDbDefaults;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.state.forst.ForStNativeMetricOptions;
import org.apache.flink.state.forst.ForStOptions;
import org.apache.flink.state.rocksdb.RocksDBNativeMetricOptions;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The whole job on a local MiniCluster at parallelism 2: the inference operator on hashmap, RocksDB
 * and ForSt against the engine alone (2 threads) and against a naive keyed job that keeps a
 * ValueState&lt;float[]&gt; of the same size (on ForSt also through the asynchronous State V2 API);
 * event-to-output latency at 70% of the hashmap peak; RocksDB and ForSt bytes per key from their own
 * size metrics; the time a job takes to start from a savepoint of many keys.
 */
@Command(name = "job", mixinStandardHelpOptions = true, description = "the whole job on a MiniCluster")
final class JobCommand implements Callable<Integer> {

    @Option(names = "--quick", description = "fewer events")
    boolean quick;

    @Option(names = "--keys", defaultValue = "100000")
    int keys;

    @Option(names = "--events", description = "events per run (default 3,000,000; 600,000 with --quick)")
    Long events;

    @Option(names = "--bundle", defaultValue = "256", description = "bundle size (keys per engine step)")
    int bundle;

    @Option(names = "--bundle-delay-ms", defaultValue = "5")
    int bundleDelayMs;

    @Option(names = "--model", defaultValue = "bench/models/lstm96x2_window4.h5")
    Path model;

    @Option(names = "--out", defaultValue = "bench/results")
    Path out;

    @Option(
            names = "--conf",
            description = "a Flink option for every run, on top of the backend's (repeatable), e.g."
                    + " state.backend.rocksdb.compaction.style=UNIVERSAL")
    Map<String, String> conf = Map.of();

    @Option(
            names = "--state-precision",
            defaultValue = "float32",
            description =
                    "the operator's flink-rnn.state.precision: float32, bfloat16 or float16 (default ${DEFAULT-VALUE})")
    String statePrecision;

    @Option(
            names = "--scale-keys",
            defaultValue = "10000000",
            description = "keys of the 'scale' run (tuned RocksDB); default ${DEFAULT-VALUE}")
    int scaleKeys;

    @Option(
            names = "--restore-keys",
            defaultValue = "10000000",
            description = "keys of the restore runs (100,000 at most with --quick); default ${DEFAULT-VALUE}")
    int restoreKeys;

    @Option(
            names = "--runs",
            split = ",",
            defaultValue = ALL_RUNS,
            description = "which runs (default all): ${DEFAULT-VALUE}")
    List<String> runs;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    /** Every run --runs may name, and its default. */
    private static final String ALL_RUNS = "hashmap,rocksdb,naive-rocksdb,naive-rocksdb-tuned,naive-hashmap,forst,"
            + "naive-forst,naive-forst-async,latency,scale,naive-scale,restore-rocksdb,restore-forst,restore-forst-async";

    private static final List<String> RUNS = List.of(ALL_RUNS.split(","));

    static final AtomicLong COUNT = new AtomicLong();
    static final AtomicLong RECORD_FROM = new AtomicLong(Long.MAX_VALUE);
    /** When the job's first output was counted (System.nanoTime), 0 before. */
    static final AtomicLong FIRST_OUTPUT = new AtomicLong();
    /** Latency histogram in 50 µs buckets up to 1 s. */
    static final AtomicLongArray LATENCY = new AtomicLongArray(20_001);

    private static final int PARALLELISM = 2;
    private static final int CORES = Runtime.getRuntime().availableProcessors();
    private static final long PACING_NANOS = 1_000_000;
    /** Paced loads of the latency runs, as fractions of the measured hashmap peak; the goal's is last. */
    private static final double[] LOADS = {0.4, 0.55, 0.7};

    private final List<String> csv = new ArrayList<>();
    /** Every result printed in the table, in its order. */
    private final List<Result> rows = new ArrayList<>();
    /** Floats of state per key of {@link #model}, the size the naive jobs' states copy. */
    private int stateFloats;

    @Override
    public Integer call() throws Exception {
        Locale.setDefault(Locale.ROOT);
        List<String> unknown = runs.stream().filter(r -> !RUNS.contains(r)).toList();
        if (!unknown.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(
                    command.commandLine(), "--runs: unknown " + unknown + "; known: " + ALL_RUNS);
        }
        Machine.header("job" + (quick ? " --quick" : ""));
        long total = events != null ? events : quick ? 600_000 : 3_000_000;
        InferenceModel probe = InferenceModel.compile(KerasModels.load(model), Mode.stateful());
        stateFloats = probe.stateLayout().size();
        System.out.printf(
                "# model %s, stateful; %d floats of state per key, stored in %s; %,d keys; %,d events per run;"
                        + " bundle %d events / %d ms; parallelism %d%n",
                model.getFileName(),
                stateFloats,
                EnumOptions.name(precision()),
                keys,
                total,
                bundle,
                bundleDelayMs,
                PARALLELISM);
        System.out.printf(
                "# rocksdb default: Flink's defaults; rocksdb tuned: %s managed memory for the 2 slots and %s"
                        + " (what flink-rnn run sets); forst tuned: the same memory and %s%n",
                TUNED_MANAGED_MEMORY, RocksDbDefaults.applyTo(new Configuration()), forstTuning());
        if (!conf.isEmpty()) {
            System.out.println("# every run also sets " + new TreeMap<>(conf));
        }
        csv.add("run,events_per_s,p50_ms,p99_ms,bytes_per_key");
        double alone = 0;
        if (runs.contains("hashmap")) {
            alone = engineAlone(probe.spec(), total);
            System.out.printf(
                    "# engine alone (%d threads, %d keys, bundles of %d): %,.0f events/s%n",
                    PARALLELISM, keys, bundle, alone);
            csv.add(String.format("engine alone,%.0f,,,", alone));
        }
        System.out.println();
        System.out.println("| run | state backend | events/s | vs reference | CPU µs/event (cores busy) | p50 ms"
                + " | p99 ms | state bytes/key | raw floats bytes/key |");
        System.out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        Result hash = runs.contains("hashmap") || runs.contains("latency")
                ? run(Program.OPERATOR.label, Backend.HASHMAP, Program.OPERATOR, Workload.of(keys, total, 0))
                : null;
        if (runs.contains("hashmap")) {
            row(hash, hash.rate / alone, "of engine alone", stateFloats);
        }
        Result rocks = ifAsked("rocksdb", Program.OPERATOR, Backend.ROCKSDB_TUNED, total);
        Result naiveRocks = ifAsked("naive-rocksdb", Program.NAIVE, Backend.ROCKSDB_DEFAULT, total);
        Result naiveTuned = ifAsked("naive-rocksdb-tuned", Program.NAIVE, Backend.ROCKSDB_TUNED, total);
        if (rocks != null) {
            row(
                    rocks,
                    naiveRocks == null ? 0 : rocks.rate / naiveRocks.rate,
                    naiveRocks == null ? "" : "of naive, default RocksDB",
                    stateFloats);
        }
        if (naiveRocks != null) {
            row(naiveRocks, 1, "", stateFloats);
        }
        if (naiveTuned != null) {
            row(
                    naiveTuned,
                    rocks == null ? 0 : rocks.rate / naiveTuned.rate,
                    "operator/naive, same RocksDB",
                    stateFloats);
        }
        Result naiveHash = ifAsked("naive-hashmap", Program.NAIVE, Backend.HASHMAP, total);
        if (naiveHash != null) {
            row(
                    naiveHash,
                    hash == null ? 0 : hash.rate / naiveHash.rate,
                    hash == null ? "" : "operator/naive",
                    stateFloats);
        }
        Result forst = ifAsked("forst", Program.OPERATOR, Backend.FORST_TUNED, total);
        Result naiveForst = ifAsked("naive-forst", Program.NAIVE, Backend.FORST_TUNED, total);
        Result naiveForstAsync = ifAsked("naive-forst-async", Program.NAIVE_ASYNC, Backend.FORST_TUNED, total);
        if (forst != null) {
            row(
                    forst,
                    rocks == null ? 0 : forst.rate / rocks.rate,
                    rocks == null ? "" : "of the operator on tuned RocksDB",
                    stateFloats);
        }
        for (Result naive : new Result[] {naiveForst, naiveForstAsync}) {
            if (naive != null) {
                row(
                        naive,
                        naiveTuned == null ? 0 : naive.rate / naiveTuned.rate,
                        naiveTuned == null ? "" : "of naive, tuned RocksDB",
                        stateFloats);
            }
        }
        Result latency = null;
        List<Result> latencies = new ArrayList<>();
        List<Result> belowGoalLoad = new ArrayList<>();
        if (runs.contains("latency")) {
            if (!runs.contains("hashmap")) {
                System.out.printf(
                        "# latency runs pace at fractions of this JVM's hashmap peak: %,.0f events/s%n", hash.rate);
            }
            // The goal's load last; the lighter loads show how the tail grows towards it.
            for (double load : LOADS) {
                Result r = run(
                        String.format("flink-rnn operator at %.0f%% of peak", 100 * load),
                        Backend.HASHMAP,
                        Program.OPERATOR,
                        Workload.of(keys, total + (long) (SETTLE_NANOS / 1e9 * load * hash.rate), load * hash.rate));
                row(r, r.rate / (load * hash.rate), "of the paced rate", stateFloats);
                if (r.p99 <= bundleDelayMs + 2) {
                    belowGoalLoad.add(r);
                }
                latency = r;
                latencies.add(r);
            }
        }
        Result scale = null;
        int scaleKeysRun = quick ? Math.min(scaleKeys, 1_000_000) : scaleKeys;
        // Each key's first event creates its state; the measured third then reads back states
        // written millions of events ago, far more than managed memory holds.
        Workload scaleWorkload = new Workload(scaleKeysRun, scaleKeysRun + scaleKeysRun / 2L, scaleKeysRun, 0, false);
        if (runs.contains("scale")) {
            scale = run(
                    String.format("flink-rnn operator with %d keys", scaleKeysRun),
                    Backend.ROCKSDB_TUNED,
                    Program.OPERATOR,
                    scaleWorkload);
            row(scale, 0, "", stateFloats);
        }
        Result naiveScale = null;
        if (runs.contains("naive-scale")) {
            // The same events on the naive job: what state access alone costs at this key count.
            naiveScale = run(
                    String.format("%s with %d keys", Program.NAIVE.label, scaleKeysRun),
                    Backend.ROCKSDB_TUNED,
                    Program.NAIVE,
                    scaleWorkload);
            row(
                    naiveScale,
                    scale == null ? 0 : scale.rate / naiveScale.rate,
                    scale == null ? "" : "operator/naive, same keys",
                    stateFloats);
        }
        int restoreKeysRun = quick ? Math.min(restoreKeys, 100_000) : restoreKeys;
        List<Restore> restores = new ArrayList<>();
        if (runs.contains("restore-rocksdb")) {
            restores.add(restore(Program.OPERATOR, Backend.ROCKSDB_TUNED, restoreKeysRun));
        }
        if (runs.contains("restore-forst")) {
            restores.add(restore(Program.OPERATOR, Backend.FORST_TUNED, restoreKeysRun));
        }
        if (runs.contains("restore-forst-async")) {
            restores.add(restore(Program.NAIVE_ASYNC, Backend.FORST_TUNED, restoreKeysRun));
        }
        if (!restores.isEmpty()) {
            restoreTable(restores);
        }
        System.out.println();
        if (hash != null && runs.contains("hashmap")) {
            System.out.printf("# hashmap job / engine alone: %.0f%% (goal >= 60%%)%n", 100 * hash.rate / alone);
            if (naiveHash != null) {
                System.out.println(bound("hashmap job >= 0.85x the engine alone", hash, naiveHash, alone, alone));
            }
        }
        if (rocks != null && naiveTuned != null && alone > 0) {
            System.out.println(bound(
                    "operator >= 1.0x the naive job on the same tuned RocksDB",
                    rocks,
                    naiveTuned,
                    alone,
                    naiveTuned.rate));
        }
        if (rocks != null && naiveRocks != null) {
            System.out.printf(
                    "# RocksDB job / naive RocksDB job with default options: %.2fx (goal >= 2x)%n",
                    rocks.rate / naiveRocks.rate);
        }
        if (naiveForst != null && naiveForstAsync != null) {
            System.out.printf(
                    "# ForSt, same run: naive job async (State V2) / sync %.2fx%s%n",
                    naiveForstAsync.rate / naiveForst.rate,
                    forst == null
                            ? ""
                            : String.format(
                                    "; operator / naive sync %.2fx; operator / naive async %.2fx",
                                    forst.rate / naiveForst.rate, forst.rate / naiveForstAsync.rate));
        }
        if (latency != null) {
            System.out.printf(
                    "# p99 at 70%% of peak: %.1f ms (goal <= bundle timeout + 2 = %d ms); loads within the goal: %s%n",
                    latency.p99,
                    bundleDelayMs + 2,
                    belowGoalLoad.isEmpty()
                            ? "none"
                            : belowGoalLoad.stream().map(Result::name).toList());
        }
        for (Result r : new Result[] {rocks, naiveRocks, naiveTuned, forst, naiveForst, naiveForstAsync}) {
            if (r != null && r.footprint != null && r.footprint.savepoint > 0) {
                System.out.printf(
                        "# %s, %s: live data %s bytes/key; SST files of the current version %s;"
                                + " native savepoint %.0f%n",
                        r.name,
                        r.backend.label,
                        gauge(r.footprint.live),
                        gauge(r.footprint.sstFiles),
                        r.footprint.savepoint);
            }
        }
        if (scale != null) {
            System.out.printf(
                    "# goal: %,d keys >= 100,000 events/s: %,.0f -> %s%s%n",
                    scaleKeysRun,
                    scale.rate,
                    scale.rate >= 100_000 ? "met" : "not met",
                    naiveScale == null
                            ? ""
                            : String.format(
                                    "; the naive job, which only reads and writes the same states, ran at %,.0f"
                                            + " events/s (%.1f CPU µs/event, %.2f of %d cores busy): state access"
                                            + " alone allows at most %,.0f events/s on all %d cores, %s",
                                    naiveScale.rate,
                                    naiveScale.cpuMicros,
                                    naiveScale.cores,
                                    CORES,
                                    maxRate(naiveScale.cpuMicros),
                                    CORES,
                                    maxRate(naiveScale.cpuMicros) < 100_000
                                            ? "below the goal"
                                            : "so the goal is within reach"));
            System.out.printf(
                    "# %s: %,.0f events/s reading back keys last written %,d events earlier; live data %.0f bytes/key"
                            + " (%.1f GB; memtables, at most a few hundred MB, not counted); SST files %.0f bytes/key%n",
                    scale.name,
                    scale.rate,
                    scaleKeysRun,
                    scale.footprint.live,
                    scale.footprint.live * scaleKeysRun / 1e9,
                    scale.footprint.sstFiles);
        }
        for (Result r : rows) {
            if (!r.rocksDbPerEvent.isEmpty()) {
                System.out.println(rocksDbCounters(r));
            }
        }
        if (rocks != null && rocks.footprint != null) {
            System.out.printf(
                    "# RocksDB state per key (live data): %.0f bytes vs %d raw float bytes = %.2fx (goal <= 1.1x)%n",
                    rocks.bytesPerKey(), rawBytes(stateFloats), rocks.bytesPerKey() / rawBytes(stateFloats));
        }
        Files.createDirectories(out);
        // The latency runs have a JVM of their own (run-benchmarks.sh), so they keep a file of their own.
        Files.write(out.resolve(runs.equals(List.of("latency")) ? "latency.csv" : "job.csv"), csv);
        if (latency != null) {
            latencyPlot(latencies);
        }
        Machine.footer();
        return 0;
    }

    private void latencyPlot(List<Result> runs) throws IOException {
        Plot plot = new Plot(
                        "event-to-output latency by load (hashmap, bundle " + bundle + "/" + bundleDelayMs + " ms)",
                        "latency (ms)",
                        "events",
                        false,
                        true)
                .bars();
        double limit = 4 * Math.max(runs.get(runs.size() - 1).p99, 1);
        for (Result r : runs) {
            for (int i = 0; i < r.histogram.length; i++) {
                if (r.histogram[i] > 0 && i * 0.05 <= limit) {
                    plot.point(r.name.replace("flink-rnn operator at ", ""), i * 0.05, r.histogram[i]);
                }
            }
        }
        plot.write(out.resolve("latency.png"));
    }

    /**
     * What RocksDB did per event while {@code r} was measured, from the statistics counters its
     * options turned on; with the block cache's hits and misses, its hit rate, since a miss is a
     * block read from the page cache or disk.
     */
    private static String rocksDbCounters(Result r) {
        List<String> counters = new ArrayList<>();
        r.rocksDbPerEvent.forEach((ticker, n) -> counters.add(String.format("%s %.2f", ticker, n)));
        Double hit = r.rocksDbPerEvent.get("block_cache_hit");
        Double miss = r.rocksDbPerEvent.get("block_cache_miss");
        if (hit != null && miss != null && hit + miss > 0) {
            counters.add(String.format("block cache hit rate %.0f%%", 100 * hit / (hit + miss)));
        }
        return String.format(
                "# %s, %s: RocksDB statistics per event over the measured stretch: %s",
                r.name, r.backend.label, String.join("; ", counters));
    }

    /** {@code program} on {@code backend} over every key if {@code --runs} names {@code run}, else null. */
    private Result ifAsked(String run, Program program, Backend backend, long total) throws Exception {
        return runs.contains(run) ? run(program.label, backend, program, Workload.of(keys, total, 0)) : null;
    }

    private void row(Result r, double ratio, String of, int stateFloats) {
        rows.add(r);
        System.out.printf(
                "| %s | %s | %,.0f | %s | %.1f (%.2f) | %.1f | %.1f | %s | %d |%n",
                r.name,
                r.backend.label,
                r.rate,
                of.isEmpty() ? "" : String.format("%.2f %s", ratio, of),
                r.cpuMicros,
                r.cores,
                r.p50,
                r.p99,
                r.bytesPerKey() > 0 ? String.format("%.0f", r.bytesPerKey()) : "",
                rawBytes(stateFloats));
        csv.add(String.format(
                "%s %s,%.0f,%.2f,%.2f,%.0f", r.name, r.backend.label, r.rate, r.p50, r.p99, r.bytesPerKey()));
    }

    /**
     * What the job's CPU time allows, against issue 18's goal {@code goal}: the operator does the naive
     * job's work (source, records, state access) and the engine's math, each measured here in CPU µs
     * per event. Overlapping the two only helps if cores are idle; the line says how many the naive
     * job left idle, and the highest rate the two costs allow on every core of the host.
     */
    private static String bound(String goal, Result operator, Result naive, double alone, double reference) {
        double math = PARALLELISM * 1e6 / alone; // the engine alone keeps PARALLELISM threads busy
        double floor = naive.cpuMicros + math;
        double best = maxRate(floor);
        return String.format(
                "# %s: %.2fx. CPU per event: operator %.1f µs; naive job %.1f µs (%.2f of %d cores busy) + engine"
                        + " alone %.1f µs = %.1f µs, so even with the math fully overlapped the %d cores allow at"
                        + " most %,.0f events/s = %.2fx (the operator reaches %.0f%% of that)",
                goal,
                operator.rate / reference,
                operator.cpuMicros,
                naive.cpuMicros,
                naive.cores,
                CORES,
                math,
                floor,
                CORES,
                best,
                best / reference,
                100 * operator.rate / best);
    }

    /** The events/s that {@code cpuMicros} of CPU per event allow with every core of the host busy. */
    private static double maxRate(double cpuMicros) {
        return CORES * 1e6 / cpuMicros;
    }

    /** A size gauge that read 0 (seen in short runs, the keys' states still in memtables) is "n/a", not a size. */
    private static String gauge(double bytesPerKey) {
        return bytesPerKey > 0 ? String.format("%.0f", bytesPerKey) : "n/a";
    }

    private void restoreTable(List<Restore> restores) throws IOException {
        System.out.println();
        System.out.println(
                "| restart from a native savepoint | state backend | keys | savepoint bytes/key"
                        + " | savepoint s | restored start: submit to first output s | empty start: submit to first output s |");
        System.out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        List<String> lines = new ArrayList<>();
        lines.add(
                "run,state_backend,keys,savepoint_bytes_per_key,savepoint_s,restored_first_output_s,empty_first_output_s");
        for (Restore r : restores) {
            List<String> cells = List.of(
                    r.program().label,
                    r.backend().label,
                    String.valueOf(r.keys()),
                    String.format("%.0f", r.savepointBytesPerKey()),
                    String.format("%.1f", r.savepointSeconds()),
                    String.format("%.1f", r.restoreSeconds()),
                    String.format("%.1f", r.emptyStartSeconds()));
            System.out.println("| " + String.join(" | ", cells) + " |");
            lines.add(String.join(",", cells));
        }
        Files.createDirectories(out);
        Files.write(out.resolve("restore.csv"), lines);
    }

    private double engineAlone(io.flinkrnn.model.spec.ModelSpec spec, long total) throws Exception {
        DoubleAdder rate = new DoubleAdder();
        CountDownLatch done = new CountDownLatch(PARALLELISM);
        List<Throwable> errors = new ArrayList<>();
        for (int t = 0; t < PARALLELISM; t++) {
            new Thread(() -> {
                        try {
                            InferenceModel m = InferenceModel.compile(spec, Mode.stateful());
                            int n = keys / PARALLELISM;
                            float[][] states = new float[n][];
                            for (int k = 0; k < n; k++) {
                                states[k] = m.newState();
                            }
                            Random random = new Random(1);
                            float[][] events = new float[bundle][m.inputSize()];
                            for (float[] e : events) {
                                for (int i = 0; i < e.length; i++) {
                                    e[i] = (float) random.nextGaussian();
                                }
                            }
                            float[][] rows = new float[bundle][];
                            float[][] outputs = new float[bundle][m.outputSize()];
                            boolean[] emitted = new boolean[bundle];
                            int[] next = {0};
                            rate.add(Rate.eventsPerSecond(
                                    () -> {
                                        for (int r = 0; r < bundle; r++) {
                                            rows[r] = states[next[0]];
                                            next[0] = (next[0] + 1) % n;
                                        }
                                        m.step(bundle, events, rows, outputs, emitted);
                                    },
                                    bundle,
                                    quick ? 0.5 : 1,
                                    quick ? 2 : 4));
                        } catch (Throwable e) {
                            errors.add(e);
                        } finally {
                            done.countDown();
                        }
                    })
                    .start();
        }
        done.await();
        if (!errors.isEmpty()) {
            throw new IllegalStateException(errors.get(0));
        }
        return rate.sum();
    }

    /** The state values' own bytes per key, in the precision they are stored in. */
    private int rawBytes(int stateFloats) {
        return FloatBytes.width(precision()) * stateFloats;
    }

    private RnnOptions.StatePrecision precision() {
        return EnumOptions.parse(RnnOptions.StatePrecision.class, statePrecision, "--state-precision");
    }

    /** Where the job keeps its state; the tuned RocksDB is what {@code flink-rnn run} configures. */
    enum Backend {
        HASHMAP("hashmap", "hashmap"),
        ROCKSDB_DEFAULT("rocksdb default", "rocksdb"),
        ROCKSDB_TUNED("rocksdb tuned", "rocksdb"),
        /** ForSt with the tuned RocksDB's managed memory and options ({@link #forstTuning}). */
        FORST_TUNED("forst tuned", "forst");

        final String label;
        final String type;

        Backend(String label, String type) {
            this.label = label;
            this.type = type;
        }

        /** RocksDB or ForSt: state on local disk, with native size metrics and native savepoints. */
        boolean onDisk() {
            return this != HASHMAP;
        }

        void configure(Configuration conf, Path localDir) {
            conf.set(StateBackendOptions.STATE_BACKEND, type);
            if (this == ROCKSDB_TUNED || this == FORST_TUNED) {
                conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse(TUNED_MANAGED_MEMORY));
            }
            if (this == ROCKSDB_TUNED) {
                RocksDbDefaults.applyTo(conf);
            }
            if (type.equals("rocksdb")) {
                conf.set(RocksDBOptions.LOCAL_DIRECTORIES, localDir.toString());
                conf.set(RocksDBNativeMetricOptions.ESTIMATE_LIVE_DATA_SIZE, true);
                conf.set(RocksDBNativeMetricOptions.MONITOR_LIVE_SST_FILES_SIZE, true);
            }
            if (this == FORST_TUNED) {
                forstTuning().forEach(conf::setString);
                conf.set(ForStOptions.LOCAL_DIRECTORIES, localDir.toString());
                conf.set(ForStNativeMetricOptions.ESTIMATE_LIVE_DATA_SIZE, true);
                conf.set(ForStNativeMetricOptions.MONITOR_LIVE_SST_FILES_SIZE, true);
            }
            if (onDisk()) {
                conf.setString("metrics.reporter.sizes.factory.class", RocksDbSizes.Factory.class.getName());
            }
        }
    }

    /**
     * {@link RocksDbDefaults} under ForSt's prefix: ForSt is a fork of RocksDB and takes the same
     * options as {@code state.backend.forst.*}, so both backends run with the same tuning.
     */
    static Map<String, String> forstTuning() {
        Map<String, String> forst = new TreeMap<>();
        RocksDbDefaults.applyTo(new Configuration())
                .toMap()
                .forEach((key, value) ->
                        forst.put(key.replace("state.backend.rocksdb.", "state.backend.forst."), value));
        return forst;
    }

    /** What the measured job runs on its keyed stream. */
    enum Program {
        OPERATOR("flink-rnn operator"),
        NAIVE("naive ValueState<float[]>"),
        NAIVE_ASYNC("naive ValueState<float[]> async (State V2)");

        final String label;

        Program(String label) {
            this.label = label;
        }

        String stateName() {
            return this == OPERATOR ? RnnInferenceOperator.STATE_NAME : NaiveState.NAME;
        }
    }

    /** Managed memory for both slots of the tuned runs: several times the state (2 x 80 MB). */
    static final String TUNED_MANAGED_MEMORY = "2g";

    /**
     * One measured run; {@code cpuMicros} is the whole JVM's CPU time per event over the measured
     * stretch (task threads, RocksDB's background threads, GC, the MiniCluster) and {@code cores} that
     * CPU time over the wall time: how many of the host's cores the job kept busy; {@code
     * rocksDbPerEvent} RocksDB's statistics counters over the same stretch per event, those that the
     * run's {@code state.backend.rocksdb.metrics.*} options turn on (none by default: statistics cost). Flink
     * refreshes those gauges every 5 s, so over a stretch of a minute they are good to a few percent.
     */
    record Result(
            String name,
            Backend backend,
            double rate,
            double p50,
            double p99,
            double cpuMicros,
            double cores,
            Footprint footprint,
            Map<String, Double> rocksDbPerEvent,
            long[] histogram) {

        double bytesPerKey() {
            return footprint == null ? 0 : footprint.live;
        }
    }

    record Restore(
            Program program,
            Backend backend,
            int keys,
            double savepointBytesPerKey,
            double savepointSeconds,
            double emptyStartSeconds,
            double restoreSeconds) {}

    /**
     * RocksDB bytes per key: live data (RocksDB's estimate once superseded versions are compacted
     * away), the SST files the current version reads, and a native savepoint (every SST file a
     * checkpoint still refers to).
     */
    record Footprint(double live, double sstFiles, double savepoint) {}

    /**
     * What a run feeds the job: events round-robin over {@code keys}, measured after {@code warm}
     * outputs; {@code flush} takes a native savepoint first, so the RocksDB figures hold every key.
     */
    record Workload(int keys, long total, long warm, double pacedRate, boolean flush) {
        static Workload of(int keys, long total, double pacedRate) {
            return new Workload(keys, total, total / 5, pacedRate, true);
        }
    }

    private Result run(String name, Backend backend, Program program, Workload w) throws Exception {
        int keys = w.keys;
        long total = w.total;
        long warm = w.warm;
        double pacedRate = w.pacedRate;
        resetCounters();
        Path scratch = Files.createTempDirectory("bench-job");
        JobClient job = submit(name, backend, program, w, scratch, null);
        try {
            long deadline = System.nanoTime() + Math.max(600, total / 10_000) * 1_000_000_000L;
            while (COUNT.get() < warm) {
                check(job, deadline);
                Thread.sleep(5);
            }
            // Every key has its state by now. A TaskManager that has run for a minute holds its
            // keys' states in the old generation; collect once so this run measures that steady
            // state rather than the one-off promotion of every key's state.
            System.gc();
            // The collection paused the job for ~150 ms: let the events it held up drain before
            // measuring. A paced job drains that backlog only with its spare 30-60%, and its young
            // generation is resized after the full collection, so it gets seconds, not events.
            long drained = COUNT.get() + total / 20;
            long settled = System.nanoTime() + (pacedRate > 0 ? SETTLE_NANOS : 0);
            while (COUNT.get() < drained || System.nanoTime() < settled) {
                check(job, deadline);
                Thread.sleep(5);
            }
            RECORD_FROM.set(COUNT.get());
            long c0 = COUNT.get();
            long t0 = System.nanoTime();
            long cpu0 = processCpuNanos();
            Map<String, Long> tickers0 = RocksDbSizes.tickers();
            long target = (long) (total * 0.98);
            while (COUNT.get() < target) {
                check(job, deadline);
                Thread.sleep(2);
            }
            long c1 = COUNT.get();
            long cpu = processCpuNanos() - cpu0;
            long wall = System.nanoTime() - t0;
            Map<String, Double> perEvent = new TreeMap<>();
            RocksDbSizes.tickers()
                    .forEach((ticker, n) ->
                            perEvent.put(ticker, (double) (n - tickers0.getOrDefault(ticker, 0L)) / (c1 - c0)));
            double rate = (c1 - c0) / (wall / 1e9);
            Footprint footprint = null;
            if (backend.onDisk()) {
                // The savepoint flushes every memtable, so the SST gauges then hold every key.
                double savepoint = 0;
                if (w.flush) {
                    Path dir = Files.createTempDirectory("bench-savepoint");
                    String path = job.triggerSavepoint(dir.toUri().toString(), SavepointFormatType.NATIVE)
                            .get(300, java.util.concurrent.TimeUnit.SECONDS);
                    savepoint = (double) size(dir) / keys;
                    deleteRecursively(dir);
                }
                String state = program.stateName();
                footprint = new Footprint(
                        (double) RocksDbSizes.sum(RocksDbSizes.LIVE_DATA, state) / keys,
                        (double) RocksDbSizes.sum(RocksDbSizes.LIVE_SST_FILES, state) / keys,
                        savepoint);
            }
            long[] histogram = new long[LATENCY.length()];
            for (int i = 0; i < histogram.length; i++) {
                histogram[i] = LATENCY.get(i);
            }
            return new Result(
                    name,
                    backend,
                    rate,
                    quantile(histogram, 0.5),
                    quantile(histogram, 0.99),
                    cpu / 1e3 / (c1 - c0),
                    (double) cpu / wall,
                    footprint,
                    perEvent,
                    histogram);
        } finally {
            job.cancel().get();
            awaitTerminal(job);
            deleteRecursively(scratch);
        }
    }

    /** CPU time of every thread of this JVM, the MiniCluster's included. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static void resetCounters() {
        COUNT.set(0);
        FIRST_OUTPUT.set(0);
        RECORD_FROM.set(Long.MAX_VALUE);
        for (int i = 0; i < LATENCY.length(); i++) {
            LATENCY.set(i, 0);
        }
    }

    /**
     * Starts {@code program} on {@code backend} over {@code w}'s events, its local state and
     * checkpoints under {@code scratch}; from the savepoint {@code restoreFrom} unless it is null.
     */
    private JobClient submit(
            String name, Backend backend, Program program, Workload w, Path scratch, String restoreFrom)
            throws Exception {
        Configuration conf = new Configuration();
        backend.configure(conf, scratch.resolve("local"));
        this.conf.forEach(conf::setString);
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                scratch.resolve("checkpoints").toUri().toString());
        if (restoreFrom != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom);
        }
        // What flink-rnn run sets: the operator neither keeps nor changes a record it has emitted.
        conf.set(PipelineOptions.OBJECT_REUSE, true);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(PARALLELISM);
        // Flink's default 100 ms network buffer timeout would dominate every latency figure.
        env.setBufferTimeout(1);
        long perSubtask = (w.total + PARALLELISM - 1) / PARALLELISM + 1;
        DataStream<RnnEvent> source = env.fromSequence(0, Long.MAX_VALUE)
                .flatMap(new Generate(w.keys, perSubtask, w.pacedRate / PARALLELISM, 12))
                .name("events");
        KeyedStream<RnnEvent, String> keyed = source.keyBy(RnnEvent::key);
        DataStream<Prediction> predictions =
                switch (program) {
                    case OPERATOR -> RnnInference.forModel(ModelSource.of(model.toAbsolutePath()))
                            .mode("stateful")
                            .bundle(bundle, Duration.ofMillis(bundleDelayMs))
                            .statePrecision(precision())
                            .apply(keyed)
                            .predictions();
                    case NAIVE -> keyed.process(new NaiveState(stateFloats)).name("naive");
                    case NAIVE_ASYNC -> keyed.enableAsyncState()
                            .process(new NaiveState.Async(stateFloats))
                            .name("naive");
                };
        predictions.map(new Record()).sinkTo(new DiscardingSink<>());
        return env.executeAsync(name + " " + backend.label);
    }

    /**
     * What a restart costs: a job gives each of {@code n} keys a state, takes a native savepoint (what
     * an incremental checkpoint holds too) and is cancelled; a second job starts from that savepoint.
     * Timed from submitting each job to its first output, so the restored start includes loading the
     * state and, for the operator, its scan of the restored keys ({@code keysWithState}).
     */
    private Restore restore(Program program, Backend backend, int n) throws Exception {
        Path scratch = Files.createTempDirectory("bench-restore");
        try {
            resetCounters();
            long deadline = System.nanoTime() + Math.max(600, n / 2_000) * 1_000_000_000L;
            long submitted = System.nanoTime();
            JobClient writer = submit(
                    program.label + " writing " + n + " keys",
                    backend,
                    program,
                    new Workload(n, n, n, 0, false),
                    scratch.resolve("writer"),
                    null);
            String savepoint;
            double emptyStart;
            double savepointSeconds;
            try {
                while (COUNT.get() < n) {
                    check(writer, deadline);
                    Thread.sleep(5);
                }
                emptyStart = (FIRST_OUTPUT.get() - submitted) / 1e9;
                long triggered = System.nanoTime();
                savepoint = writer.triggerSavepoint(
                                scratch.resolve("savepoint").toUri().toString(), SavepointFormatType.NATIVE)
                        .get(Math.max(300, n / 10_000), java.util.concurrent.TimeUnit.SECONDS);
                savepointSeconds = (System.nanoTime() - triggered) / 1e9;
            } finally {
                writer.cancel().get();
                awaitTerminal(writer);
                // At 10M keys the writer's state and the savepoint fill tens of GB: keep only the savepoint.
                deleteRecursively(scratch.resolve("writer"));
            }
            resetCounters();
            long restarted = System.nanoTime();
            JobClient reader = submit(
                    program.label + " restoring " + n + " keys",
                    backend,
                    program,
                    Workload.of(n, n, 0),
                    scratch.resolve("reader"),
                    savepoint);
            try {
                while (FIRST_OUTPUT.get() == 0) {
                    check(reader, deadline);
                    Thread.sleep(1);
                }
                double restored = (FIRST_OUTPUT.get() - restarted) / 1e9;
                return new Restore(
                        program,
                        backend,
                        n,
                        (double) size(scratch.resolve("savepoint")) / n,
                        savepointSeconds,
                        emptyStart,
                        restored);
            } finally {
                reader.cancel().get();
                awaitTerminal(reader);
            }
        } finally {
            deleteRecursively(scratch);
        }
    }

    /**
     * Fails if the job ended or ran out of time. The job's status is an RPC through the
     * MiniCluster's actor system: asked every 2 ms, it kept a dispatcher thread and the JIT busy on
     * the job's two cores, so it is asked once per {@link #STATUS_EVERY_NANOS}.
     */
    private static void check(JobClient job, long deadline) throws Exception {
        long now = System.nanoTime();
        if (now > deadline) {
            throw new IllegalStateException("job did not finish in time");
        }
        if (now - lastStatus < STATUS_EVERY_NANOS) {
            return;
        }
        lastStatus = now;
        if (job.getJobStatus().get().isGloballyTerminalState()) {
            job.getJobExecutionResult().get();
            throw new IllegalStateException("job ended early");
        }
    }

    /**
     * A cancel is acknowledged before the tasks have closed their RocksDB instances, whose background
     * threads still delete obsolete files: wait for the job's result (a cancellation, or the job's
     * MiniCluster already shut down) before deleting its directories.
     */
    private static void awaitTerminal(JobClient job) {
        try {
            job.getJobExecutionResult().get(120, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception expected) {
            // Cancelled, as asked.
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException e) {
                            return 0;
                        }
                    })
                    .sum();
        }
    }

    private static double quantile(long[] histogram, double q) {
        long n = 0;
        for (long c : histogram) {
            n += c;
        }
        if (n == 0) {
            return Double.NaN;
        }
        long seen = 0;
        for (int i = 0; i < histogram.length; i++) {
            seen += histogram[i];
            if (seen >= q * n) {
                return (i + 0.5) * 0.05;
            }
        }
        return histogram.length * 0.05;
    }

    /** Events for keys of this subtask's own half (so each key's events come in order), paced if asked. */
    static final class Generate extends org.apache.flink.api.common.functions.RichFlatMapFunction<Long, RnnEvent> {
        private final int keys;
        private final long quota;
        private final double rate;
        private final int features;
        private transient int subtask;
        private transient long count;
        private transient long start;
        private transient float[][] pool;
        private transient String[] ownKeys;

        Generate(int keys, long quota, double rate, int features) {
            this.keys = keys;
            this.quota = quota;
            this.rate = rate;
            this.features = features;
        }

        @Override
        public void open(OpenContext context) {
            subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
            Random random = new Random(subtask);
            // Keys are made once where they fit in a small table, so the generator costs the job little.
            if (keys <= 1_000_000) {
                ownKeys = new String[keys / PARALLELISM];
                for (int i = 0; i < ownKeys.length; i++) {
                    ownKeys[i] = "k" + (subtask + PARALLELISM * i);
                }
            }
            pool = new float[1024][features];
            for (float[] e : pool) {
                for (int i = 0; i < features; i++) {
                    e[i] = (float) random.nextGaussian();
                }
            }
        }

        @Override
        public void flatMap(Long value, Collector<RnnEvent> out) {
            if (count >= quota) {
                // The measurement is over: idle (one record per ms) but stay alive, so that the
                // savepoint's barrier still passes through this task.
                LockSupport.parkNanos(1_000_000);
                return;
            }
            if (start == 0) {
                start = System.nanoTime();
            }
            if (rate > 0) {
                long due = start + (long) (count * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    // Events arrive in batches a millisecond apart, as a Kafka poll hands them over:
                    // waking for each one would preempt the job's threads tens of thousands of times a second.
                    LockSupport.parkNanos(Math.max(wait, PACING_NANOS));
                }
            }
            int own = keys / PARALLELISM;
            int i = (int) (count % own);
            String key = ownKeys != null ? ownKeys[i] : "k" + (subtask + PARALLELISM * i);
            count++;
            // The features go straight to the keyBy's serializer: sharing the pooled arrays is safe.
            out.collect(new RnnEvent(key, System.nanoTime(), pool[(int) (count & 1023)]));
        }
    }

    private static final long STATUS_EVERY_NANOS = 200_000_000L;
    /**
     * How long a paced run runs after the warm-up's full collection before latency is recorded; the
     * paced runs get that many seconds of events on top of their measured ones.
     */
    private static final long SETTLE_NANOS = 3_000_000_000L;

    private static long lastStatus;

    /** Counts outputs and records event-to-output latency after the warm-up. */
    static final class Record extends RichMapFunction<Prediction, Prediction> {
        @Override
        public Prediction map(Prediction p) {
            long n = COUNT.incrementAndGet();
            if (n == 1) {
                FIRST_OUTPUT.set(System.nanoTime());
            }
            if (n >= RECORD_FROM.get()) {
                long micros = (System.nanoTime() - p.timestamp()) / 1000;
                LATENCY.incrementAndGet((int) Math.min(micros / 50, LATENCY.length() - 1));
            }
            return p;
        }
    }
}
