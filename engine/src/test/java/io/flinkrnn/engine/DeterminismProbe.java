package io.flinkrnn.engine;

import io.flinkrnn.engine.ops.JavaKernel;
import io.flinkrnn.model.KerasModels;
import io.flinkrnn.model.fixtures.Fixture;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Runs a fixture's Keras model over seeded events and writes every output as the hex bits of its
 * floats, one line {@code key,t,bits...} per output: the text that {@link DeterminismTest} compares
 * across JVMs run in different ways. Key k's event t depends on (k, t) alone, so any two runs that
 * share a key and a step fed it the same events, whatever the batch beside it.
 *
 * <p>{@link #main} prints the same lines for a child JVM, after a first line naming the kernel
 * path that ran.
 */
final class DeterminismProbe {

    /** {@code model}: a fixture's name, or a Keras file's path from the repository's root. */
    record Run(String model, int keys, int steps, int batch, int warmupSteps) {}

    /** Starts each model's lines in {@link #main}'s output. */
    static final String SECTION = "## ";

    private DeterminismProbe() {}

    static String kernelLine() {
        return "# vectorized=" + JavaKernel.INSTANCE.vectorized() + " lanes=" + JavaKernel.lanes();
    }

    /** Warm-up steps first (on keys of their own), then the measured steps, in batches of {@code batch} keys. */
    static List<String> outputs(Run run) {
        InferenceModel model = model(run.model());
        steps(model, run.keys(), run.warmupSteps(), run.batch(), -1 - run.keys(), null);
        List<String> lines = new ArrayList<>(run.keys() * run.steps());
        steps(model, run.keys(), run.steps(), run.batch(), 0, lines);
        return lines;
    }

    static InferenceModel model(String name) {
        Path file = name.endsWith(".h5")
                ? Fixture.root().toAbsolutePath().getParent().resolve(name)
                : Fixture.named(name).file("h5").orElseThrow();
        return InferenceModel.compile(KerasModels.load(file), Mode.auto());
    }

    private static void steps(InferenceModel model, int keys, int steps, int batch, int firstKey, List<String> lines) {
        float[][] states = new float[keys][];
        for (int k = 0; k < keys; k++) {
            states[k] = model.newState();
        }
        float[][] events = new float[batch][];
        float[][] rowStates = new float[batch][];
        float[][] outputs = new float[batch][model.outputSize()];
        boolean[] emitted = new boolean[batch];
        for (int t = 0; t < steps; t++) {
            for (int from = 0; from < keys; from += batch) {
                int rows = Math.min(batch, keys - from);
                for (int r = 0; r < rows; r++) {
                    events[r] = event(firstKey + from + r, t, model.inputSize());
                    rowStates[r] = states[from + r];
                }
                model.step(rows, events, rowStates, outputs, emitted);
                for (int r = 0; r < rows; r++) {
                    if (lines != null && emitted[r]) {
                        lines.add(line(firstKey + from + r, t, outputs[r]));
                    }
                }
            }
        }
    }

    private static float[] event(int key, int t, int width) {
        Random random = new Random(key * 1_000_003L + t);
        float[] x = new float[width];
        for (int i = 0; i < width; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    private static String line(int key, int t, float[] y) {
        StringBuilder s = new StringBuilder().append(key).append(',').append(t);
        for (float v : y) {
            s.append(',').append(Integer.toHexString(Float.floatToRawIntBits(v)));
        }
        return s.toString();
    }

    /** {@code keys steps batch warmupSteps model...}: a section {@code ## model} of output lines for each model. */
    public static void main(String[] args) throws IOException {
        try (BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))) {
            out.write(kernelLine());
            out.newLine();
            for (int m = 4; m < args.length; m++) {
                out.write(SECTION + args[m]);
                out.newLine();
                Run run = new Run(
                        args[m],
                        Integer.parseInt(args[0]),
                        Integer.parseInt(args[1]),
                        Integer.parseInt(args[2]),
                        Integer.parseInt(args[3]));
                for (String line : outputs(run)) {
                    out.write(line);
                    out.newLine();
                }
            }
        }
    }
}
