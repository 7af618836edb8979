package io.flinkrnn.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.engine.Mode;
import io.flinkrnn.model.KerasModels;
import io.flinkrnn.model.fixtures.Fixture;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The committed ONNX export of a bench model, run through {@link OnnxRuntimePeer} with its per-key
 * states in Java arrays, gives the engine's outputs event by event: the states carried between calls
 * (step graph) and the window shifted past its length (window graph) included.
 */
class OnnxRuntimePeerTest {

    private static final Path MODEL =
            Fixture.root().toAbsolutePath().getParent().resolve("bench/models/lstm64x2_window4.h5");
    private static final int KEYS = 3;
    private static final int WINDOW = 4;

    @ParameterizedTest
    @ValueSource(strings = {"step", "window"})
    void theExportComputesWhatTheEngineDoes(String graph) throws Exception {
        boolean window = graph.equals("window");
        InferenceModel engine =
                InferenceModel.compile(KerasModels.load(MODEL), window ? Mode.window(WINDOW) : Mode.stateful());
        int f = engine.inputSize();
        int o = engine.outputSize();
        Path onnx = OnnxRuntimePeer.export(MODEL, graph);
        float[][] states = new float[KEYS][];
        for (int r = 0; r < KEYS; r++) {
            states[r] = engine.newState();
        }
        float[][] expected = new float[KEYS][o];
        float[][] actual = new float[KEYS][o];
        boolean[] emitted = new boolean[KEYS];
        Random random = new Random(18);
        int compared = 0;
        try (OnnxRuntimePeer peer = window
                ? OnnxRuntimePeer.window(onnx, WINDOW, KEYS, f, o)
                : OnnxRuntimePeer.stateful(onnx, KEYS, f, o)) {
            for (int t = 0; t < WINDOW + 2; t++) {
                float[][] events = new float[KEYS][f];
                for (float[] event : events) {
                    for (int i = 0; i < f; i++) {
                        event[i] = (float) random.nextGaussian();
                    }
                }
                engine.step(KEYS, events, states, expected, emitted);
                peer.step(events, actual);
                for (int r = 0; r < KEYS; r++) {
                    if (emitted[r]) {
                        assertThat(actual[r])
                                .as("%s, event %d, key %d", graph, t, r)
                                .containsExactly(expected[r], within(1e-5f));
                        compared++;
                    }
                }
            }
        }
        assertThat(compared).isGreaterThanOrEqualTo(3 * KEYS);
    }

    @Test
    void aModelWithoutAnExportIsNamed() {
        Path missing = MODEL.resolveSibling("absent.step.onnx");
        assertThatThrownBy(() -> OnnxRuntimePeer.stateful(missing, KEYS, 12, 1))
                .hasMessage("no ONNX export " + missing);
    }
}
