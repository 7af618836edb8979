package io.flinkrnn.bench;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.engine.Mode;
import io.flinkrnn.model.KerasModels;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.model.spec.RecurrentSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Engine vs DL4J and vs ONNX Runtime on the same models: window mode against DL4J's {@code output()}
 * over the window and ORT's window graph, stateful mode against {@code rnnTimeStep} and ORT's step
 * graph ({@link OnnxRuntimePeer}), after checking all give the same numbers. DL4J's native threads use
 * both cores, so the engine runs on 1 thread and on 2 ({@link TwoThreadEngine}); the stateful goal
 * ({@link #GOAL}) is judged at equal cores. ORT runs on 1 thread and is set against the engine's 1.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, description = "engine vs DL4J and ONNX Runtime events/s")
final class CompareCommand implements Callable<Integer> {

    @Option(names = "--quick", description = "short timings (whole run within 2 minutes)")
    boolean quick;

    @Option(names = "--models", defaultValue = "bench/models", description = "the bench's Keras files")
    Path models;

    @Option(names = "--fixtures", defaultValue = "fixtures", description = "the Keras fixtures (GRU model)")
    Path fixtures;

    @Option(names = "--out", defaultValue = "bench/results", description = "where CSV and PNG go")
    Path out;

    private static final int[] BATCHES = {1, 16, 256, 1024};
    private static final double TOLERANCE = 1e-4;
    /** The stateful goal: stateful mode at least this many times DL4J's rnnTimeStep events/s. */
    private static final double GOAL = 30;
    /** Issue 18's goal: the engine at least this many times ORT's events/s, 1 thread each. */
    private static final double ORT_GOAL = 1.5;
    /** The batch of the closing speedup lines. */
    private static final int REPORT_BATCH = 16;
    /** The reference model, whose ratios the goal lines against ORT and the closing lines report. */
    private static final String REFERENCE = "LSTM(96)x2->Dense(1)";

    private static final int WINDOW = 4;

    private final List<String> csv = new ArrayList<>();
    private Plot plot;

    @Override
    public Integer call() throws Exception {
        Locale.setDefault(Locale.ROOT);
        long started = System.nanoTime();
        Machine.header("compare" + (quick ? " --quick" : ""));
        double warm = quick ? 0.15 : 0.5;
        double time = quick ? 0.35 : 2.0;
        System.out.println(
                "# DL4J " + org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getSimpleName()
                        + ", " + Runtime.getRuntime().availableProcessors() + " cores for its native threads;"
                        + " the engine on 1 thread, and on 2 threads that each step half of every call's keys"
                        + " with their own compiled model, as a Flink job at parallelism 2 does (the per-call"
                        + " hand-off between the two threads is timed too)");
        System.out.println("# the stateful goal is judged at equal cores: the engine's 2 threads against DL4J's 2"
                + " (its 1 thread at batch 1, which cannot be split)");
        System.out.println(
                "# timing: " + warm + " s warm-up + " + time + " s per cell; events/s = keys per call / time per call");
        if (quick) {
            System.out.println("# --quick: DL4J's rates swing several-fold from run to run after so short a warm-up;"
                    + " judge the goal on a full run");
        }
        System.out.println("# ONNX Runtime " + OnnxRuntimePeer.version() + " (Java), 1 intra-op thread, on the"
                + " models' tf2onnx exports (bench/models/*.onnx): stateful mode runs the step graph, whose LSTM"
                + " states are inputs and outputs; window mode the window graph over each key's last " + WINDOW
                + " events. Each key's states (or window) live in a Java array, as keyed state hands them to an"
                + " operator, and are copied into and out of tensors that are reused across calls; ORT is timed"
                + " only if its outputs are within " + OrtColumn.TOLERANCE + " of the engine's (else the bench stops)");
        System.out.println();
        System.out.println("| model | mode | DL4J call | batch | engine events/s, 1 thread | engine events/s, 2 threads"
                + " | DL4J events/s | 1 thread/DL4J | 2 threads/DL4J | DL4J max abs diff"
                + " | ORT events/s, 1 thread | 1 thread/ORT | ORT max abs diff |");
        System.out.println("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        csv.add("model,mode,batch,engine_events_per_s,dl4j_events_per_s,ratio,max_abs_diff,"
                + "engine_2threads_events_per_s,ratio_2threads,ort_events_per_s,ratio_ort,ort_max_abs_diff");
        plot = new Plot(
                "engine vs DL4J and ONNX Runtime: events/s by batch (bundle) size",
                "batch (keys per step)",
                "events/s",
                true,
                true);
        Path big = models.resolve("lstm96x2_window4.h5");
        Ratios window = window(REFERENCE, big, warm, time);
        window("LSTM(64)x2->Dense(1)", models.resolve("lstm64x2_window4.h5"), warm, time);
        window(
                "GRU(7,reset_after)->Dense(3) [fixture]",
                fixtures.resolve("keras2_gru_reset_after/model.h5"),
                warm,
                time);
        Ratios goal = stateful("LSTM(64) seq, no head", models.resolve("lstm64_seq.h5"), warm, time);
        Ratios stateful = stateful(REFERENCE, big, warm, time);
        Files.createDirectories(out);
        Files.write(out.resolve("compare.csv"), csv);
        plot.write(out.resolve("compare.png"));
        System.out.println(goalLine("LSTM(64) seq", goal.dl4j()));
        System.out.println(ortLine(window.ort(), stateful.ort()));
        peakTable(window, stateful);
        Machine.footer();
        System.out.printf("# compare took %.1f s%n", (System.nanoTime() - started) / 1e9);
        System.out.printf("speedup vs DL4J at batch %d: %.1fx%n", REPORT_BATCH, window.dl4j()[reportIndex()]);
        double ort = Math.min(window.ort()[reportIndex()], stateful.ort()[reportIndex()]);
        System.out.printf(
                "speedup vs ONNX Runtime at batch %d: %s%n",
                REPORT_BATCH, Double.isNaN(ort) ? "n/a (ONNX Runtime failed, see its rows)" : times(ort));
        return 0;
    }

    /**
     * The engine's rate over each peer's, by batch: DL4J's at 1 thread (window) or equal cores
     * (stateful), ORT's at 1; with the engine's own 1-thread events/s and the model's FLOPs per event.
     */
    private record Ratios(double[] dl4j, double[] ort, double[] engine, double flopsPerEvent) {

        Ratios(double flopsPerEvent) {
            this(new double[BATCHES.length], new double[BATCHES.length], new double[BATCHES.length], flopsPerEvent);
        }
    }

    /**
     * Multiply-add FLOPs per event: 2 per weight, the recurrent layers' once per step of the run
     * ({@code steps}: 1 stateful, the window's length in window mode), the head's once. Biases are
     * counted as weights and gate activations not at all (each under 1% for the bench's models).
     */
    static double flopsPerEvent(ModelSpec spec, int steps) {
        return 2.0
                * spec.layers().stream()
                        .mapToLong(l -> l instanceof RecurrentSpec ? steps * l.paramCount() : l.paramCount())
                        .sum();
    }

    /** A peer's cells in one row: its rate as printed ("fails" etc.), events/s (NaN if not timed), max abs diff. */
    record Peer(String rate, double events, double diff) {

        static Peer failed() {
            return new Peer("fails", Double.NaN, Double.NaN);
        }
    }

    private Ratios window(String name, Path file, double warm, double time) throws Exception {
        int n = WINDOW;
        ModelSpec spec = KerasModels.load(file);
        InferenceModel engine = InferenceModel.compile(spec, Mode.window(n));
        int f = engine.inputSize();
        int o = engine.outputSize();
        Path onnx = OnnxRuntimePeer.export(file, "window");
        OrtColumn ortColumn = new OrtColumn(batch -> OnnxRuntimePeer.window(onnx, n, batch, f, o));
        MultiLayerNetwork dl4j = null;
        String failure = null;
        try {
            dl4j = Dl4j.load(file);
        } catch (Throwable e) {
            failure = "import: " + Dl4j.message(e);
        }
        Ratios ratios = new Ratios(flopsPerEvent(spec, n));
        Random random = new Random(1);
        for (int i = 0; i < BATCHES.length; i++) {
            int b = BATCHES[i];
            float[][] windows = randomRows(random, b, n * f);
            // Fill each key's window with its n events, then time steps that each re-run the model.
            float[][] states = new float[b][];
            float[][] outputs = new float[b][o];
            boolean[] emitted = new boolean[b];
            for (int r = 0; r < b; r++) {
                states[r] = engine.newState();
            }
            float[][][] steps = new float[n][][];
            float[][][] expected = new float[n][][];
            for (int t = 0; t < n; t++) {
                steps[t] = new float[b][f];
                for (int r = 0; r < b; r++) {
                    System.arraycopy(windows[r], t * f, steps[t][r], 0, f);
                }
                engine.step(b, steps[t], states, outputs, emitted);
            }
            // Only a full window has an output to compare.
            expected[n - 1] = copy(outputs);
            double diff = Double.NaN;
            String dl4jRate = failure == null ? "" : "fails";
            double dl4jEvents = Double.NaN;
            if (dl4j != null) {
                final MultiLayerNetwork net = dl4j;
                float[] nwc = flat(windows, b, n * f); // Keras layout [batch, time, features]
                try {
                    INDArray y = net.output(Nd4j.create(nwc, new long[] {b, n, f}, 'c'));
                    diff = maxDiff(outputs, y, b, engine.outputSize());
                    if (!(diff <= TOLERANCE)) {
                        failure = "different numbers: max abs diff " + diff;
                    } else {
                        dl4jEvents = Rate.eventsPerSecond(
                                () -> net.output(Nd4j.create(nwc, new long[] {b, n, f}, 'c')), b, warm, time);
                        dl4jRate = String.format("%,.0f", dl4jEvents);
                    }
                } catch (Throwable e) {
                    failure = "output(): " + Dl4j.message(e);
                    dl4jRate = "fails";
                }
            }
            float[][] timed = randomRows(random, b, f);
            Peer ort = ortColumn.measure(b, steps, expected, timed, warm, time);
            Engine rates = Engine.time(engine, b, timed, states, outputs, warm, time);
            ratios.dl4j()[i] = rates.oneThread() / dl4jEvents;
            ratios.ort()[i] = rates.oneThread() / ort.events();
            ratios.engine()[i] = rates.oneThread();
            String mode = "window(" + n + ")";
            row(name, mode, "output() over the window", b, rates, new Peer(dl4jRate, dl4jEvents, diff), ort);
            plot.point("engine " + name, b, rates.oneThread());
            plotPeers(name, b, dl4jEvents, ort);
        }
        if (failure != null) {
            failureRow(name, "window(" + n + ")", "DL4J", failure);
        }
        if (ortColumn.failure() != null) {
            failureRow(name, "window(" + n + ")", "ORT", ortColumn.failure());
        }
        return ratios;
    }

    /** DL4J's ratios are at equal cores: the engine's 2 threads (1 at batch 1) against its 2 native threads. */
    private Ratios stateful(String name, Path file, double warm, double time) throws Exception {
        ModelSpec spec = KerasModels.load(file);
        InferenceModel engine = InferenceModel.compile(spec, Mode.stateful());
        int f = engine.inputSize();
        int o = engine.outputSize();
        Path onnx = OnnxRuntimePeer.export(file, "step");
        OrtColumn ortColumn = new OrtColumn(batch -> OnnxRuntimePeer.stateful(onnx, batch, f, o));
        MultiLayerNetwork dl4j = null;
        String failure = null;
        try {
            dl4j = Dl4j.load(file);
        } catch (Throwable e) {
            failure = "import: " + Dl4j.message(e);
        }
        Random random = new Random(2);
        Ratios ratios = new Ratios(flopsPerEvent(spec, 1));
        for (int i = 0; i < BATCHES.length; i++) {
            int b = BATCHES[i];
            float[][] states = new float[b][];
            float[][] outputs = new float[b][o];
            boolean[] emitted = new boolean[b];
            for (int r = 0; r < b; r++) {
                states[r] = engine.newState();
            }
            // Three events per key from zero states: the third output depends on states carried twice.
            float[][][] steps = new float[3][][];
            float[][][] expected = new float[steps.length][][];
            for (int t = 0; t < steps.length; t++) {
                steps[t] = randomRows(random, b, f);
                engine.step(b, steps[t], states, outputs, emitted);
                expected[t] = copy(outputs);
            }
            double diff = 0;
            String dl4jRate = failure == null ? "" : "fails";
            double dl4jEvents = Double.NaN;
            if (dl4j != null) {
                final MultiLayerNetwork net = dl4j;
                try {
                    net.rnnClearPreviousState();
                    for (int t = 0; t < steps.length; t++) {
                        INDArray y = net.rnnTimeStep(Nd4j.create(flat(steps[t], b, f), new long[] {b, 1, f}, 'c'));
                        diff = Math.max(diff, maxDiff(expected[t], y, b, o));
                    }
                    if (!(diff <= TOLERANCE)) {
                        failure = "different numbers: max abs diff " + diff;
                        dl4jRate = "differs";
                    } else {
                        float[] x = flat(randomRows(random, b, f), b, f);
                        dl4jEvents = Rate.eventsPerSecond(
                                () -> net.rnnTimeStep(Nd4j.create(x, new long[] {b, 1, f}, 'c')), b, warm, time);
                        dl4jRate = String.format("%,.0f", dl4jEvents);
                    }
                } catch (Throwable e) {
                    failure = "rnnTimeStep(): " + Dl4j.message(e);
                    dl4jRate = "fails";
                    diff = Double.NaN;
                }
            } else {
                diff = Double.NaN;
            }
            float[][] timed = randomRows(random, b, f);
            Peer ort = ortColumn.measure(b, steps, expected, timed, warm, time);
            Engine rates = Engine.time(engine, b, timed, states, outputs, warm, time);
            ratios.dl4j()[i] = rates.equalCores() / dl4jEvents;
            ratios.ort()[i] = rates.oneThread() / ort.events();
            ratios.engine()[i] = rates.oneThread();
            row(name, "stateful", "rnnTimeStep()", b, rates, new Peer(dl4jRate, dl4jEvents, diff), ort);
            plot.point("engine stateful " + name, b, rates.oneThread());
            if (!Double.isNaN(rates.twoThreads())) {
                plot.point("engine 2 threads stateful " + name, b, rates.twoThreads());
            }
            plotPeers("stateful " + name, b, dl4jEvents, ort);
        }
        if (failure != null) {
            failureRow(name, "stateful", "DL4J", failure);
        }
        if (ortColumn.failure() != null) {
            failureRow(name, "stateful", "ORT", ortColumn.failure());
        }
        return ratios;
    }

    private void plotPeers(String name, int b, double dl4jEvents, Peer ort) {
        if (!Double.isNaN(dl4jEvents)) {
            plot.point("DL4J " + name, b, dl4jEvents).dashed("DL4J " + name);
        }
        if (!Double.isNaN(ort.events())) {
            plot.point("ORT " + name, b, ort.events()).dashed("ORT " + name);
        }
    }

    /** The engine's events/s for {@code b} keys per call on 1 thread and on 2 (NaN for one key). */
    private record Engine(double oneThread, double twoThreads) {

        static Engine time(
                InferenceModel engine,
                int b,
                float[][] events,
                float[][] states,
                float[][] outputs,
                double warm,
                double time)
                throws Exception {
            boolean[] emitted = new boolean[b];
            double one = Rate.eventsPerSecond(() -> engine.step(b, events, states, outputs, emitted), b, warm, time);
            if (b < 2) {
                return new Engine(one, Double.NaN);
            }
            try (TwoThreadEngine two = new TwoThreadEngine(engine, b, events, states, outputs)) {
                return new Engine(one, Rate.eventsPerSecond(two::step, b, warm, time));
            }
        }

        /** The figure to set against DL4J's 2 native threads: 2 threads, or 1 where a call has one key. */
        double equalCores() {
            return Double.isNaN(twoThreads) ? oneThread : twoThreads;
        }
    }

    private void row(String name, String mode, String call, int b, Engine engine, Peer dl4j, Peer ort) {
        double ratio = engine.oneThread() / dl4j.events();
        double ratio2 = engine.twoThreads() / dl4j.events();
        double ratioOrt = engine.oneThread() / ort.events();
        System.out.printf(
                "| %s | %s | %s | %d | %,.0f | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                name,
                mode,
                call,
                b,
                engine.oneThread(),
                Double.isNaN(engine.twoThreads()) ? "n/a (1 key)" : String.format("%,.0f", engine.twoThreads()),
                dl4j.rate(),
                times(ratio),
                times(ratio2),
                diff(dl4j.diff()),
                ort.rate(),
                times(ratioOrt),
                diff(ort.diff()));
        System.out.flush();
        csv.add(String.format(
                "%s,%s,%d,%.1f,%.1f,%.2f,%.3g,%.1f,%.2f,%.1f,%.2f,%.3g",
                name,
                mode,
                b,
                engine.oneThread(),
                dl4j.events(),
                ratio,
                dl4j.diff(),
                engine.twoThreads(),
                ratio2,
                ort.events(),
                ratioOrt,
                ort.diff()));
    }

    private static String times(double ratio) {
        return Double.isNaN(ratio) ? "" : String.format("%.1fx", ratio);
    }

    private static String diff(double diff) {
        return Double.isNaN(diff) ? "" : String.format("%.1e", diff);
    }

    /** Why a peer has no rates for a model: the reason in that peer's max-abs-diff column. */
    private static void failureRow(String name, String mode, String peer, String failure) {
        boolean dl4j = peer.equals("DL4J");
        System.out.println("| " + name + " | " + mode + " | " + peer + " fails | | | | | | | " + (dl4j ? failure : "")
                + " | | | " + (dl4j ? "" : failure) + " |");
    }

    /** Issue 18's goal against ORT, 1 thread each, on the reference model in both modes. */
    private static String ortLine(double[] window, double[] stateful) {
        String[] modes = {"window(" + WINDOW + ") ", "stateful "};
        double[][] ratios = {window, stateful};
        List<String> cells = new ArrayList<>();
        List<String> missed = new ArrayList<>();
        for (int m = 0; m < modes.length; m++) {
            verdicts(modes[m], ratios[m], ORT_GOAL, "ORT failed", cells, missed);
        }
        return String.format(
                "# goal: %s >= %.1fx ONNX Runtime, 1 thread each, by mode and batch: %s -> %s",
                REFERENCE,
                ORT_GOAL,
                String.join(", ", cells),
                missed.isEmpty() ? "met" : "not met at " + String.join(", ", missed));
    }

    /** Adds "<label><batch>: <ratio>" per batch to {@code cells}, and "<label><batch>" to {@code missed} below {@code goal}. */
    private static void verdicts(
            String label, double[] ratios, double goal, String failed, List<String> cells, List<String> missed) {
        for (int i = 0; i < BATCHES.length; i++) {
            cells.add(label + BATCHES[i] + ": " + (Double.isNaN(ratios[i]) ? failed : times(ratios[i])));
            if (!(ratios[i] >= goal)) {
                missed.add(label + BATCHES[i]);
            }
        }
    }

    /**
     * Both sides of the reference model against the FMA peak, measured after the timings (measured
     * first, it slowed the engine for the rest of the JVM; see the kernel bench): how much of the
     * core each uses, and what 1.5x ORT would take.
     */
    private void peakTable(Ratios window, Ratios stateful) throws InterruptedException {
        double peak = Peak.gflops(1, quick ? 500 : 2000);
        System.out.println();
        System.out.printf(
                "# %s against the peak fp32 FMA rate of 1 core: %.1f GFLOP/s (Vector API, %d lanes, measured after"
                        + " the timings); FLOPs per event = 2 x weights x steps: %.0f stateful, %.0f window(%d)%n",
                REFERENCE, peak, Peak.lanes(), stateful.flopsPerEvent(), window.flopsPerEvent(), WINDOW);
        if (Peak.lanes() * Float.SIZE < Machine.widestVectorBits()) {
            System.out.printf(
                    "# this JVM's vectors are %d bits wide on a CPU with %d-bit vectors (-XX:UseAVX): the engine and"
                            + " the peak run as on a host without the wider vectors, while ONNX Runtime's native code"
                            + " still uses them, so the ratios against ORT are lower bounds for such a host%n",
                    Peak.lanes() * Float.SIZE, Machine.widestVectorBits());
        }
        System.out.println();
        System.out.println("| mode | batch | engine GFLOP/s | engine % peak | ORT GFLOP/s | ORT % peak"
                + " | 1.5x ORT needs % peak |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        String[] modes = {"window(" + WINDOW + ")", "stateful"};
        Ratios[] all = {window, stateful};
        for (int m = 0; m < modes.length; m++) {
            for (int i = 0; i < BATCHES.length; i++) {
                double engine = all[m].engine()[i] * all[m].flopsPerEvent() / 1e9;
                double ort = engine / all[m].ort()[i];
                System.out.printf(
                        "| %s | %d | %.1f | %.0f%% | %.1f | %.0f%% | %.0f%% |%n",
                        modes[m],
                        BATCHES[i],
                        engine,
                        100 * engine / peak,
                        ort,
                        100 * ort / peak,
                        100 * ORT_GOAL * ort / peak);
            }
        }
    }

    private static int reportIndex() {
        for (int i = 0; i < BATCHES.length; i++) {
            if (BATCHES[i] == REPORT_BATCH) {
                return i;
            }
        }
        throw new IllegalStateException("no batch " + REPORT_BATCH);
    }

    /** The stateful goal, at equal cores, for every batch size. */
    private static String goalLine(String name, double[] equalCores) {
        List<String> ratios = new ArrayList<>();
        List<String> missed = new ArrayList<>();
        verdicts("", equalCores, GOAL, "DL4J failed", ratios, missed);
        return String.format(
                "# goal: stateful %s >= %.0fx DL4J rnnTimeStep at equal cores (engine on 2 threads, 1 at batch 1)"
                        + " by batch: %s -> %s",
                name,
                GOAL,
                String.join(", ", ratios),
                missed.isEmpty() ? "met" : "not met at batch " + String.join(", ", missed));
    }

    private static float[][] randomRows(Random random, int rows, int width) {
        float[][] a = new float[rows][width];
        for (float[] row : a) {
            for (int i = 0; i < width; i++) {
                row[i] = (float) random.nextGaussian();
            }
        }
        return a;
    }

    private static float[] flat(float[][] rows, int b, int f) {
        float[] a = new float[b * f];
        for (int r = 0; r < b; r++) {
            System.arraycopy(rows[r], 0, a, r * f, f);
        }
        return a;
    }

    private static float[][] copy(float[][] rows) {
        float[][] a = new float[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            a[r] = rows[r].clone();
        }
        return a;
    }

    static double maxDiff(float[][] expected, float[][] actual) {
        double max = 0;
        for (int r = 0; r < expected.length; r++) {
            for (int j = 0; j < expected[r].length; j++) {
                max = Math.max(max, Math.abs(expected[r][j] - actual[r][j]));
            }
        }
        return max;
    }

    /** Engine outputs vs DL4J's: [b, o] directly or the last step of [b, o, t]. */
    private static double maxDiff(float[][] outputs, INDArray y, int b, int o) {
        long[] shape = y.shape();
        float[] v = y.dup('c').data().asFloat();
        boolean ncw = y.rank() == 3 && shape[1] == o && !(shape[2] == o && shape[1] == 1);
        long t = y.rank() == 3 ? (ncw ? shape[2] : shape[1]) : 1;
        double max = 0;
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < o; j++) {
                long at = y.rank() == 2
                        ? (long) r * o + j
                        : ncw ? ((long) r * o + j) * t + t - 1 : ((long) r * t + t - 1) * o + j;
                max = Math.max(max, Math.abs(outputs[r][j] - v[(int) at]));
            }
        }
        return max;
    }
}
