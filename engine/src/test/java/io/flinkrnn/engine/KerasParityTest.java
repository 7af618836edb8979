package io.flinkrnn.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.engine.ops.JavaKernel;
import io.flinkrnn.engine.ops.Kernel;
import io.flinkrnn.model.KerasModels;
import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.spec.ModelSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every fixture real Keras wrote, through every model file it saved: the engine's outputs, outputs
 * after resets and final states must equal Keras's within {@link #TOLERANCE}, absolute, float32.
 * Every {@link Kernel} runs the same test by overriding {@link #kernel()} (the engine's test-jar
 * carries it to the ND4J kernel in the bench module).
 */
public class KerasParityTest {

    static final double TOLERANCE = 1e-5;

    /** The kernel under test; the engine's default here. */
    protected Kernel kernel() {
        return JavaKernel.INSTANCE;
    }

    @TestFactory
    Stream<DynamicTest> outputsMatchKeras() {
        Kernel kernel = kernel();
        return Fixture.all().stream().flatMap(f -> files(f).stream()
                .map(file ->
                        DynamicTest.dynamicTest(f.name() + " [" + file + "]", () -> check(f, load(f, file), kernel))));
    }

    private static List<String> files(Fixture f) {
        List<String> files = new ArrayList<>();
        f.file("keras").ifPresent(p -> files.add("keras"));
        f.file("h5").ifPresent(p -> files.add("h5"));
        if (f.file("json").isPresent() && f.file("weights").isPresent()) {
            files.add("json+weights");
        }
        return files;
    }

    private static ModelSpec load(Fixture f, String file) {
        return switch (file) {
            case "json+weights" -> KerasModels.load(
                    f.file("json").orElseThrow(), f.file("weights").orElseThrow());
            default -> KerasModels.load(f.file(file).orElseThrow());
        };
    }

    private static void check(Fixture f, ModelSpec spec, Kernel kernel) {
        InferenceModel model = InferenceModel.compile(spec, Mode.auto(), kernel);
        assertThat(model.mode().kind().name().toLowerCase(Locale.ROOT)).isEqualTo(f.mode());
        assertThat(model.mode().window()).isEqualTo(f.window().orElse(0));
        assertThat(model.inputSize()).isEqualTo(f.features());
        assertThat(model.outputSize()).isEqualTo(f.outputs());

        Replay.Result run = Replay.run(model, f.eventRows(), List.of());
        double error = compare("expected.csv", run.outputs(), f.expectedRows());
        if (f.mode().equals("stateful")) {
            error = Math.max(
                    error,
                    compareStates(model, run.states(), CsvRow.read(f.dir().resolve("states.csv"))));
        }
        if (f.hasResets()) {
            Replay.Result reset = Replay.run(model, f.eventRows(), f.resetRows());
            error = Math.max(error, compare("expected_reset.csv", reset.outputs(), f.expectedResetRows()));
        }
        System.out.printf(Locale.ROOT, "parity %-40s %-10s max error %.3g%n", f.name(), model.mode(), error);
    }

    private static double compare(String file, Map<String, float[]> actual, List<CsvRow> expected) {
        assertThat(actual).as(file + ": one output per expected row").hasSize(expected.size());
        double max = 0;
        for (CsvRow row : expected) {
            String at = row.key() + "," + row.t();
            float[] got = actual.get(at);
            assertThat(got).as(file + " " + at).isNotNull().hasSize(row.values().length);
            max = Math.max(max, maxError(got, row.values()));
            assertThat(max)
                    .as(file + " " + at + ": got %s, Keras %s", str(got), str(row.values()))
                    .isLessThanOrEqualTo(TOLERANCE);
        }
        return max;
    }

    /** states.csv rows are {@code key, layer, state, v...}: the layer's index among the RNN layers. */
    private static double compareStates(InferenceModel model, Map<String, float[]> states, List<CsvRow> expected) {
        double max = 0;
        for (CsvRow row : expected) {
            int layer = (int) row.t();
            int index = (int) row.values()[0];
            float[] want = Arrays.copyOfRange(row.values(), 1, row.values().length);
            StateLayout.Slot slot = model.stateLayout().state(layer, index);
            float[] state = states.get(row.key());
            float[] got = Arrays.copyOfRange(state, slot.offset(), slot.offset() + slot.size());
            max = Math.max(max, maxError(got, want));
            assertThat(max)
                    .as(
                            "states.csv %s layer %d state %d: got %s, Keras %s",
                            row.key(), layer, index, str(got), str(want))
                    .isLessThanOrEqualTo(TOLERANCE);
        }
        return max;
    }

    /** The largest absolute difference in a row. */
    private static double maxError(float[] got, float[] keras) {
        assertThat(got).hasSameSizeAs(keras);
        double diff = 0;
        for (int i = 0; i < got.length; i++) {
            diff = Math.max(diff, Math.abs((double) got[i] - keras[i]));
        }
        return diff;
    }

    private static String str(float[] v) {
        return Arrays.toString(v);
    }
}
