package io.flinkrnn.bench;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.engine.Mode;
import io.flinkrnn.model.KerasModels;
import io.flinkrnn.operators.RnnOptions.StatePrecision;
import io.flinkrnn.operators.internal.EnumOptions;
import io.flinkrnn.operators.state.HalfFloats;
import io.flinkrnn.operators.state.KeyState;
import io.flinkrnn.operators.state.KeyStateSerializer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.apache.flink.core.memory.DataOutputSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What reduced-precision state ({@code flink-rnn.state.precision}) costs in accuracy and saves in
 * bytes: streams of 1,000 steps served as the operator serves a key (one engine step per event, the
 * state rounded to the precision after each), their outputs compared with float32's and with what
 * Keras computed for a committed fixture's long key, by step range; and each precision's serialized
 * bytes per key. The operator's outputs are the same bits at any batch size (docs/SEMANTICS.md
 * section 10), so stepping one key at a time measures exactly what a job would emit.
 */
@Command(
        name = "precision",
        mixinStandardHelpOptions = true,
        description = "reduced-precision state: error vs float32 and vs Keras over 1,000-step streams, bytes per key")
final class PrecisionCommand implements Callable<Integer> {

    /** Step ranges reported, 1-based and inclusive: the first steps, then decades. */
    private static final int[][] RANGES = {{1, 10}, {11, 100}, {101, 1000}};

    private static final int STEPS = 1000;

    @Option(names = "--model", defaultValue = "bench/models/lstm96x2_window4.h5", description = "served stateful")
    Path model;

    @Option(
            names = "--fixture",
            defaultValue = "fixtures/keras3_stacked_long",
            description =
                    "a Keras fixture whose key --fixture-key has at least 1,000 events (default ${DEFAULT-VALUE})")
    Path fixture;

    @Option(names = "--fixture-key", defaultValue = "long-0")
    String fixtureKey;

    @Option(
            names = "--keys",
            defaultValue = "64",
            description = "random streams of the model (default ${DEFAULT-VALUE})")
    int keys;

    @Option(names = "--quick", description = "8 random streams")
    boolean quick;

    /** One precision's absolute differences from a reference, per step range. */
    private static final class Errors {
        final double[] max = new double[RANGES.length];
        final double[] sum = new double[RANGES.length];
        final long[] count = new long[RANGES.length];

        void add(int step, float[] got, float[] reference) {
            for (int r = 0; r < RANGES.length; r++) {
                if (step >= RANGES[r][0] && step <= RANGES[r][1]) {
                    for (int i = 0; i < got.length; i++) {
                        double d = Math.abs((double) got[i] - reference[i]);
                        max[r] = Math.max(max[r], d);
                        sum[r] += d;
                        count[r]++;
                    }
                }
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        Locale.setDefault(Locale.ROOT);
        int streams = quick ? 8 : keys;
        Machine.header("precision" + (quick ? " --quick" : ""));
        System.out.println("# the state rounded to the precision after every engine step (to nearest, ties to even);"
                + " the math float32; |error| per output value");
        System.out.println();
        fixtureTable();
        System.out.println();
        modelTable(streams);
        System.out.println();
        bytesTable();
        Machine.footer();
        return 0;
    }

    /** Keras's own outputs of the fixture's long key: every precision against them and against float32. */
    private void fixtureTable() throws IOException {
        InferenceModel m = InferenceModel.compile(KerasModels.load(fixture.resolve("model.keras")), Mode.stateful());
        List<float[]> events = rows(fixture.resolve("events.csv"));
        List<float[]> keras = rows(fixture.resolve("expected.csv"));
        if (events.size() < STEPS || keras.size() < STEPS) {
            throw new IllegalArgumentException(
                    fixture + ": key " + fixtureKey + " has " + events.size() + " events, the bench takes " + STEPS);
        }
        List<float[]> float32 = serve(m, StatePrecision.FLOAT32, events);
        System.out.printf(
                "### vs Keras: %s, key %s, first %,d steps (%d floats of state; Keras's mean |y| %.3f)%n%n",
                fixture.getFileName(), fixtureKey, STEPS, m.stateLayout().size(), meanAbs(keras.subList(0, STEPS)));
        header("vs Keras", "vs float32");
        for (StatePrecision p : StatePrecision.values()) {
            List<float[]> outputs = serve(m, p, events);
            Errors vsKeras = new Errors();
            Errors vsFloat32 = new Errors();
            for (int t = 0; t < STEPS; t++) {
                vsKeras.add(t + 1, outputs.get(t), keras.get(t));
                vsFloat32.add(t + 1, outputs.get(t), float32.get(t));
            }
            print(p, vsKeras, vsFloat32);
        }
    }

    /** Random streams of the bench model: each 16-bit precision against float32. */
    private void modelTable(int streams) throws IOException {
        InferenceModel m = InferenceModel.compile(KerasModels.load(model), Mode.stateful());
        Random random = new Random(11);
        List<List<float[]>> inputs = new ArrayList<>();
        for (int k = 0; k < streams; k++) {
            List<float[]> events = new ArrayList<>(STEPS);
            for (int t = 0; t < STEPS; t++) {
                float[] x = new float[m.inputSize()];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) random.nextGaussian();
                }
                events.add(x);
            }
            inputs.add(events);
        }
        List<List<float[]>> float32 = new ArrayList<>();
        for (List<float[]> events : inputs) {
            float32.add(serve(m, StatePrecision.FLOAT32, events));
        }
        System.out.printf(
                "### vs float32: %s, %d random streams of %,d steps (%d floats of state, N(0,1) inputs seeded 11;"
                        + " float32's mean |y| %.3f)%n%n",
                model.getFileName(),
                streams,
                STEPS,
                m.stateLayout().size(),
                float32.stream()
                        .mapToDouble(PrecisionCommand::meanAbs)
                        .average()
                        .orElseThrow());
        header("vs float32", null);
        for (StatePrecision p : new StatePrecision[] {StatePrecision.BFLOAT16, StatePrecision.FLOAT16}) {
            Errors vsFloat32 = new Errors();
            for (int k = 0; k < streams; k++) {
                List<float[]> outputs = serve(m, p, inputs.get(k));
                for (int t = 0; t < STEPS; t++) {
                    vsFloat32.add(t + 1, outputs.get(t), float32.get(k).get(t));
                }
            }
            print(p, vsFloat32, null);
        }
    }

    /** What the key state serializer writes per key of each model, and RocksDB stores besides its own key. */
    private void bytesTable() throws IOException {
        System.out.println("### serialized state bytes per key");
        System.out.println();
        System.out.println("| model | floats of state | float32 | bfloat16 | float16 |");
        System.out.println("| --- | ---: | ---: | ---: | ---: |");
        for (Path file : List.of(model, fixture.resolve("model.keras"))) {
            float[] state = InferenceModel.compile(KerasModels.load(file), Mode.stateful())
                    .newState();
            StringBuilder row = new StringBuilder("| " + file.getFileName() + " | " + state.length);
            for (StatePrecision p : StatePrecision.values()) {
                DataOutputSerializer out = new DataOutputSerializer(64);
                KeyStateSerializer.of(p).serialize(new KeyState(state, 0, 0), out);
                row.append(" | ").append(out.length());
            }
            System.out.println(row.append(" |"));
        }
    }

    /** The key's outputs, served one event per engine step from a fresh state, as the operator does. */
    private static List<float[]> serve(InferenceModel m, StatePrecision precision, List<float[]> events) {
        float[][] state = {m.newState()};
        float[][] out = {new float[m.outputSize()]};
        boolean[] emitted = new boolean[1];
        List<float[]> outputs = new ArrayList<>(STEPS);
        for (int t = 0; t < STEPS; t++) {
            m.step(1, new float[][] {events.get(t)}, state, out, emitted);
            HalfFloats.round(state[0], precision);
            outputs.add(out[0].clone());
        }
        return outputs;
    }

    /** The values of {@link #fixtureKey}'s rows of a fixture CSV ({@code key,t,v0,...}), in file order. */
    private List<float[]> rows(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        List<float[]> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",");
            if (cells[0].equals(fixtureKey)) {
                float[] values = new float[cells.length - 2];
                for (int i = 0; i < values.length; i++) {
                    values[i] = Float.parseFloat(cells[i + 2]);
                }
                rows.add(values);
            }
        }
        return rows;
    }

    private static double meanAbs(List<float[]> outputs) {
        return outputs.stream()
                .flatMapToDouble(
                        y -> java.util.stream.IntStream.range(0, y.length).mapToDouble(i -> Math.abs(y[i])))
                .average()
                .orElseThrow();
    }

    private static void header(String first, String second) {
        StringBuilder h = new StringBuilder("| precision | steps | max " + first + " | mean " + first);
        StringBuilder rule = new StringBuilder("| --- | --- | ---: | ---:");
        if (second != null) {
            h.append(" | max ").append(second).append(" | mean ").append(second);
            rule.append(" | ---: | ---:");
        }
        System.out.println(h.append(" |"));
        System.out.println(rule.append(" |"));
    }

    private static void print(StatePrecision p, Errors first, Errors second) {
        for (int r = 0; r < RANGES.length; r++) {
            StringBuilder row = new StringBuilder(String.format(
                    "| %s | %d-%d | %.2e | %.2e",
                    EnumOptions.name(p), RANGES[r][0], RANGES[r][1], first.max[r], first.sum[r] / first.count[r]));
            if (second != null) {
                row.append(String.format(" | %.2e | %.2e", second.max[r], second.sum[r] / second.count[r]));
            }
            System.out.println(row.append(" |"));
        }
    }
}
