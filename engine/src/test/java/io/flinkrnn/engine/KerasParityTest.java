package io.flinkrnn.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.engine.ops.JavaKernel;
import io.flinkrnn.engine.ops.Kernel;
import io.flinkrnn.model.KerasModels;
import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.fixtures.KerasExpectations;
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
 * after resets and final states must equal Keras's ({@link KerasExpectations}). Every {@link Kernel}
 * runs the same test by overriding {@link #kernel()} (the engine's test-jar carries it to the ND4J
 * kernel in the bench module).
 */
public class KerasParityTest {

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

    /** The model files a fixture saved; a fixture without any would silently test nothing. */
    private static List<String> files(Fixture f) {
        List<String> files = new ArrayList<>();
        f.file("keras").ifPresent(p -> files.add("keras"));
        f.file("h5").ifPresent(p -> files.add("h5"));
        if (f.file("json").isPresent() && f.file("weights").isPresent()) {
            files.add("json+weights");
        }
        if (files.isEmpty()) {
            throw new IllegalStateException("fixture " + f.name() + " names no model file in its case.json");
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
        double error = KerasExpectations.assertMatches(run.outputs(), f.expectedRows());
        if (f.mode().equals("stateful")) {
            error = Math.max(
                    error,
                    compareStates(model, run.states(), CsvRow.read(f.dir().resolve("states.csv"))));
        }
        if (f.hasResets()) {
            Replay.Result reset = Replay.run(model, f.eventRows(), f.resetRows());
            error = Math.max(error, KerasExpectations.assertMatches(reset.outputs(), f.expectedResetRows()));
        }
        System.out.printf(Locale.ROOT, "parity %-40s %-10s max error %.3g%n", f.name(), model.mode(), error);
    }

    /** states.csv rows are {@code key, layer, state, v...}: the layer's index among the RNN layers. */
    private static double compareStates(InferenceModel model, Map<String, float[]> states, List<CsvRow> expected) {
        assertThat(expected).as("states.csv rows").isNotEmpty();
        double max = 0;
        for (CsvRow row : expected) {
            int layer = (int) row.t();
            int index = (int) row.values()[0];
            float[] want = Arrays.copyOfRange(row.values(), 1, row.values().length);
            StateLayout.Slot slot = model.stateLayout().state(layer, index);
            float[] state = states.get(row.key());
            assertThat(state).as("state of key %s", row.key()).isNotNull();
            float[] got = Arrays.copyOfRange(state, slot.offset(), slot.offset() + slot.size());
            max = Math.max(
                    max,
                    KerasExpectations.assertClose(
                            got, want, "states.csv key %s layer %d state %d", row.key(), layer, index));
        }
        return max;
    }
}
