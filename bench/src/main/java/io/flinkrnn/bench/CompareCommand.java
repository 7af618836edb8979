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
                        + " the engine runs on 1 thread");
        System.out.println(
                "# timing: " + warm + " s warm-up + " + time + " s per cell; events/s = keys per call / time per call");
        System.out.println();
        System.out.println(
                "| model | mode | DL4J call | batch | engine events/s | DL4J events/s | engine/DL4J | max abs diff |");
        System.out.println("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |");
        csv.add("model,mode,batch,engine_events_per_s,dl4j_events_per_s,ratio,max_abs_diff");
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
        stateful("LSTM(64) seq, no head", models.resolve("lstm64_seq.h5"), warm, time);
        stateful("LSTM(96)x2->Dense(1)", big, warm, time);
        Files.createDirectories(out);
        Files.write(out.resolve("compare.csv"), csv);
        plot.write(out.resolve("compare.png"));
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
            float[][] events = randomRows(random, b, f);
            double engineEvents =
                    Rate.eventsPerSecond(() -> engine.step(b, events, states, outputs, emitted), b, warm, time);
            double ratio = engineEvents / dl4jEvents;
            if (b == report) {
                result = ratio;
            }
            row(name, "window(" + n + ")", "output() over the window", b, engineEvents, dl4jRate, ratio, diff);
            plot.point("engine " + name, b, engineEvents);
            if (!Double.isNaN(dl4jEvents)) {
                plot.point("DL4J " + name, b, dl4jEvents).dashed("DL4J " + name);
            }
            csv.add(String.format(
                    "%s,window(%d),%d,%.1f,%.1f,%.2f,%.3g", name, n, b, engineEvents, dl4jEvents, ratio, diff));
        }
        if (failure != null) {
            System.out.println("| " + name + " | window(" + n + ") | DL4J fails | | | | | " + failure + " |");
        }
        return result;
    }

    private void stateful(String name, Path file, double warm, double time) throws Exception {
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
        for (int b : BATCHES) {
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
            float[][] events = randomRows(random, b, f);
            double engineEvents =
                    Rate.eventsPerSecond(() -> engine.step(b, events, states, outputs, emitted), b, warm, time);
            double ratio = engineEvents / dl4jEvents;
            row(name, "stateful", "rnnTimeStep()", b, engineEvents, dl4jRate, ratio, diff);
            plot.point("engine stateful " + name, b, engineEvents);
            if (!Double.isNaN(dl4jEvents)) {
                plot.point("DL4J rnnTimeStep " + name, b, dl4jEvents).dashed("DL4J rnnTimeStep " + name);
            }
            csv.add(String.format(
                    "%s,stateful,%d,%.1f,%.1f,%.2f,%.3g", name, b, engineEvents, dl4jEvents, ratio, diff));
        }
        if (failure != null) {
            System.out.println("| " + name + " | stateful | DL4J fails | | | | | " + failure + " |");
        }
    }

    private static void row(
            String name, String mode, String call, int b, double engine, String dl4j, double ratio, double diff) {
        System.out.printf(
                "| %s | %s | %s | %d | %,.0f | %s | %s | %s |%n",
                name,
                mode,
                call,
                b,
                engine,
                dl4j,
                Double.isNaN(ratio) ? "" : String.format("%.1fx", ratio),
                Double.isNaN(diff) ? "" : String.format("%.1e", diff));
        System.out.flush();
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
