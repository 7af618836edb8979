package io.flinkrnn.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.engine.ops.JavaKernel;
import io.flinkrnn.engine.ops.Kernel;
import io.flinkrnn.model.spec.LstmCellSpec;
import io.flinkrnn.model.spec.ModelSpec;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Window mode, whose first step leaves out the recurrent product of the zero state, gives the bits
 * of stateful mode fed each window's events one by one from a fresh key, which runs every product.
 */
class WindowFromZeroTest {

    private static final int WINDOW = 4;
    private static final int FEATURES = 3;
    private static final int UNITS = 20;
    /** Three of the LSTM cell's 24-key tiles, the last one short. */
    private static final int KEYS = 50;

    private static final int EVENTS = 7;

    @Test
    void windowOutputsEqualStatefulRunsOverTheSameWindowsBitForBit() {
        long seed = 18;
        for (Kernel kernel : new Kernel[] {JavaKernel.INSTANCE, JavaKernel.SCALAR}) {
            check(model(new Specs(seed)), kernel, seed, "seed " + seed + " " + kernel);
        }
    }

    /** With an infinite recurrent weight nothing may be left out: 0·inf is NaN at the first step too. */
    @Test
    void anInfiniteRecurrentWeightIsMultipliedAtTheFirstStepToo() {
        long seed = 19;
        Specs specs = new Specs(seed);
        ModelSpec spec = model(specs);
        LstmCellSpec second = (LstmCellSpec)
                ((io.flinkrnn.model.spec.RecurrentSpec) spec.layers().get(1)).cell();
        second.recurrentKernel().data()[3] = Float.NEGATIVE_INFINITY;
        check(spec, JavaKernel.INSTANCE, seed, "seed " + seed + " with -inf in U");
    }

    private static ModelSpec model(Specs specs) {
        return Specs.model(
                null,
                FEATURES,
                Specs.rnn("lstm_1", specs.lstm(FEATURES, UNITS), true),
                Specs.rnn("lstm_2", specs.lstm(UNITS, UNITS), false),
                specs.dense("dense", UNITS, 1));
    }

    private static void check(ModelSpec spec, Kernel kernel, long seed, String at) {
        InferenceModel window = InferenceModel.compile(spec, Mode.window(WINDOW), kernel);
        InferenceModel stateful = InferenceModel.compile(spec, Mode.stateful(), kernel);
        Random random = new Random(seed);
        float[][][] events = new float[EVENTS][KEYS][FEATURES];
        float[][] states = new float[KEYS][];
        for (int r = 0; r < KEYS; r++) {
            states[r] = window.newState();
        }
        float[][] outputs = new float[KEYS][1];
        boolean[] emitted = new boolean[KEYS];
        int compared = 0;
        for (int t = 0; t < EVENTS; t++) {
            for (int r = 0; r < KEYS; r++) {
                for (int f = 0; f < FEATURES; f++) {
                    events[t][r][f] = random.nextFloat() * 2 - 1;
                }
            }
            window.step(KEYS, events[t], states, outputs, emitted);
            if (t < WINDOW - 1) {
                continue;
            }
            float[][] expected = statefulOverWindow(stateful, events, t);
            for (int r = 0; r < KEYS; r++) {
                assertThat(emitted[r]).isTrue();
                assertThat(Float.floatToIntBits(outputs[r][0]))
                        .as("%s, event %d, key %d: %s vs %s", at, t, r, outputs[r][0], expected[r][0])
                        .isEqualTo(Float.floatToIntBits(expected[r][0]));
                compared++;
            }
        }
        assertThat(compared).isEqualTo((EVENTS - WINDOW + 1) * KEYS);
    }

    /** Each key's output after events {@code t - WINDOW + 1 .. t}, fed one by one from a fresh state. */
    private static float[][] statefulOverWindow(InferenceModel stateful, float[][][] events, int t) {
        float[][] states = new float[KEYS][];
        for (int r = 0; r < KEYS; r++) {
            states[r] = stateful.newState();
        }
        float[][] outputs = new float[KEYS][1];
        boolean[] emitted = new boolean[KEYS];
        for (int s = t - WINDOW + 1; s <= t; s++) {
            stateful.step(KEYS, events[s], states, outputs, emitted);
        }
        return outputs;
    }
}
