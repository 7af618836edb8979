package io.flinkrnn.bench;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.engine.Mode;
import io.flinkrnn.model.KerasModels;
import io.flinkrnn.model.spec.ModelSpec;
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
 * Engine vs DL4J on the same Keras 2 .h5 files: window mode against {@code output()} over the
 * window, stateful mode against {@code rnnTimeStep}, after checking both give the same numbers.
 * DL4J's native threads use both cores, so the engine runs on 1 thread and on 2 ({@link
 * TwoThreadEngine}); the stateful goal ({@link #GOAL}) is judged at equal cores.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, description = "engine vs DL4J events/s")
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
        System.out.println();
        System.out.println("| model | mode | DL4J call | batch | engine events/s, 1 thread | engine events/s, 2 threads"
                + " | DL4J events/s | 1 thread/DL4J | 2 threads/DL4J | max abs diff |");
        System.out.println("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        csv.add("model,mode,batch,engine_events_per_s,dl4j_events_per_s,ratio,max_abs_diff,"
                + "engine_2threads_events_per_s,ratio_2threads");
        plot = new Plot(
                "engine vs DL4J: events/s by batch (bundle) size", "batch (keys per step)", "events/s", true, true);
        Path big = models.resolve("lstm96x2_window4.h5");
        double speedup16 = window("LSTM(96)x2->Dense(1)", big, 4, warm, time, 16);
        window("LSTM(64)x2->Dense(1)", models.resolve("lstm64x2_window4.h5"), 4, warm, time, -1);
        window(
                "GRU(7,reset_after)->Dense(3) [fixture]",
                fixtures.resolve("keras2_gru_reset_after/model.h5"),
                4,
                warm,
                time,
                -1);
        double[] goal = stateful("LSTM(64) seq, no head", models.resolve("lstm64_seq.h5"), warm, time);
        stateful("LSTM(96)x2->Dense(1)", big, warm, time);
        Files.createDirectories(out);
        Files.write(out.resolve("compare.csv"), csv);
        plot.write(out.resolve("compare.png"));
        System.out.println(goalLine("LSTM(64) seq", goal));
        Machine.footer();
        System.out.printf("# compare took %.1f s%n", (System.nanoTime() - started) / 1e9);
        System.out.printf("speedup vs DL4J at batch 16: %.1fx%n", speedup16);
        return 0;
    }

    /** Returns engine/DL4J at {@code report} batch (NaN when DL4J fails). */
    private double window(String name, Path file, int n, double warm, double time, int report) throws Exception {
        ModelSpec spec = KerasModels.load(file);
        InferenceModel engine = InferenceModel.compile(spec, Mode.window(n));
        int f = engine.inputSize();
        MultiLayerNetwork dl4j = null;
        String failure = null;
        try {
            dl4j = Dl4j.load(file);
        } catch (Throwable e) {
            failure = "import: " + Dl4j.message(e);
        }
        double result = Double.NaN;
        Random random = new Random(1);
        for (int b : BATCHES) {
            float[][] windows = randomRows(random, b, n * f);
            // Fill each key's window with its n events, then time steps that each re-run the model.
            float[][] states = new float[b][];
            float[][] outputs = new float[b][engine.outputSize()];
            boolean[] emitted = new boolean[b];
            for (int r = 0; r < b; r++) {
                states[r] = engine.newState();
            }
            for (int t = 0; t < n; t++) {
                float[][] events = new float[b][f];
                for (int r = 0; r < b; r++) {
                    System.arraycopy(windows[r], t * f, events[r], 0, f);
                }
                engine.step(b, events, states, outputs, emitted);
            }
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
            Engine rates = Engine.time(engine, b, randomRows(random, b, f), states, outputs, warm, time);
            if (b == report) {
                result = rates.oneThread() / dl4jEvents;
            }
            row(name, "window(" + n + ")", "output() over the window", b, rates, dl4jRate, dl4jEvents, diff);
            plot.point("engine " + name, b, rates.oneThread());
            if (!Double.isNaN(dl4jEvents)) {
                plot.point("DL4J " + name, b, dl4jEvents).dashed("DL4J " + name);
            }
        }
        if (failure != null) {
            failureRow(name, "window(" + n + ")", failure);
        }
        return result;
    }

    /** Returns engine/DL4J at equal cores for each of {@link #BATCHES} (NaN where DL4J fails). */
    private double[] stateful(String name, Path file, double warm, double time) throws Exception {
        ModelSpec spec = KerasModels.load(file);
        InferenceModel engine = InferenceModel.compile(spec, Mode.stateful());
        int f = engine.inputSize();
        int o = engine.outputSize();
        MultiLayerNetwork dl4j = null;
        String failure = null;
        try {
            dl4j = Dl4j.load(file);
        } catch (Throwable e) {
            failure = "import: " + Dl4j.message(e);
        }
        Random random = new Random(2);
        double[] equalCores = new double[BATCHES.length];
        for (int i = 0; i < BATCHES.length; i++) {
            int b = BATCHES[i];
            float[][] states = new float[b][];
            float[][] outputs = new float[b][o];
            boolean[] emitted = new boolean[b];
            for (int r = 0; r < b; r++) {
                states[r] = engine.newState();
            }
            double diff = 0;
            String dl4jRate = failure == null ? "" : "fails";
            double dl4jEvents = Double.NaN;
            if (dl4j != null) {
                final MultiLayerNetwork net = dl4j;
                try {
                    net.rnnClearPreviousState();
                    for (int t = 0; t < 3; t++) {
                        float[][] events = randomRows(random, b, f);
                        engine.step(b, events, states, outputs, emitted);
                        INDArray y = net.rnnTimeStep(Nd4j.create(flat(events, b, f), new long[] {b, 1, f}, 'c'));
                        diff = Math.max(diff, maxDiff(outputs, y, b, o));
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
            Engine rates = Engine.time(engine, b, randomRows(random, b, f), states, outputs, warm, time);
            equalCores[i] = rates.equalCores() / dl4jEvents;
            row(name, "stateful", "rnnTimeStep()", b, rates, dl4jRate, dl4jEvents, diff);
            plot.point("engine stateful " + name, b, rates.oneThread());
            if (!Double.isNaN(rates.twoThreads())) {
                plot.point("engine 2 threads stateful " + name, b, rates.twoThreads());
            }
            if (!Double.isNaN(dl4jEvents)) {
                plot.point("DL4J rnnTimeStep " + name, b, dl4jEvents).dashed("DL4J rnnTimeStep " + name);
            }
        }
        if (failure != null) {
            failureRow(name, "stateful", failure);
        }
        return equalCores;
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

    private void row(
            String name, String mode, String call, int b, Engine engine, String dl4j, double dl4jEvents, double diff) {
        double ratio = engine.oneThread() / dl4jEvents;
        double ratio2 = engine.twoThreads() / dl4jEvents;
        System.out.printf(
                "| %s | %s | %s | %d | %,.0f | %s | %s | %s | %s | %s |%n",
                name,
                mode,
                call,
                b,
                engine.oneThread(),
                Double.isNaN(engine.twoThreads()) ? "n/a (1 key)" : String.format("%,.0f", engine.twoThreads()),
                dl4j,
                times(ratio),
                times(ratio2),
                Double.isNaN(diff) ? "" : String.format("%.1e", diff));
        System.out.flush();
        csv.add(String.format(
                "%s,%s,%d,%.1f,%.1f,%.2f,%.3g,%.1f,%.2f",
                name, mode, b, engine.oneThread(), dl4jEvents, ratio, diff, engine.twoThreads(), ratio2));
    }

    private static String times(double ratio) {
        return Double.isNaN(ratio) ? "" : String.format("%.1fx", ratio);
    }

    private static void failureRow(String name, String mode, String failure) {
        System.out.println("| " + name + " | " + mode + " | DL4J fails | | | | | | | " + failure + " |");
    }

    /** The stateful goal, at equal cores, for every batch size. */
    private static String goalLine(String name, double[] equalCores) {
        List<String> ratios = new ArrayList<>();
        List<String> missed = new ArrayList<>();
        for (int i = 0; i < BATCHES.length; i++) {
            ratios.add(BATCHES[i] + ": " + (Double.isNaN(equalCores[i]) ? "DL4J failed" : times(equalCores[i])));
            if (!(equalCores[i] >= GOAL)) {
                missed.add(String.valueOf(BATCHES[i]));
            }
        }
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
