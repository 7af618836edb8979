package io.flinkrnn.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.engine.ops.JavaKernel;
import io.flinkrnn.engine.ops.Kernel;
import io.flinkrnn.model.spec.LstmCellSpec;
import io.flinkrnn.model.spec.ModelSpec;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Window mode, which computes the input projections of all of a window's steps in one product and
 * leaves out the first step's product with the zero state, gives the bits of stateful mode fed
 * each window's events one by one from a fresh key, which runs {@code [x | h]·[W; U]} at every
 * step.
 */
class WindowFromZeroTest {

    private static final int WINDOW = 4;
    /** So long that 50 keys' projections (50 x 10 x 80 floats) pass the LSTM cell's limit: no projection. */
    private static final int LONG_WINDOW = 10;

    private static final int FEATURES = 3;
    private static final int UNITS = 20;
    /** Three of the LSTM cell's 24-key tiles, the last one short. */
    private static final int KEYS = 50;

    @Test
    void windowOutputsEqualStatefulRunsOverTheSameWindowsBitForBit() {
        long seed = 18;
        for (Kernel kernel : new Kernel[] {JavaKernel.INSTANCE, JavaKernel.SCALAR}) {
            check(model(new Specs(seed)), kernel, WINDOW, seed, "seed " + seed + " " + kernel);
        }
        check(model(new Specs(seed)), JavaKernel.INSTANCE, LONG_WINDOW, seed, "seed " + seed + " long window");
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
        check(spec, JavaKernel.INSTANCE, WINDOW, seed, "seed " + seed + " with -inf in U");
    }

    private static ModelSpec model(Specs specs) {
        return Specs.model(
                null,
                FEATURES,
                Specs.rnn("lstm_1", specs.lstm(FEATURES, UNITS), true),
                Specs.rnn("lstm_2", specs.lstm(UNITS, UNITS), false),
                specs.dense("dense", UNITS, 1));
    }

    private static void check(ModelSpec spec, Kernel kernel, int length, long seed, String at) {
        int events = length + 3;
        InferenceModel window = InferenceModel.compile(spec, Mode.window(length), kernel);
        InferenceModel stateful = InferenceModel.compile(spec, Mode.stateful(), kernel);
        Random random = new Random(seed);
        float[][][] stream = new float[events][KEYS][FEATURES];
        float[][] states = new float[KEYS][];
        for (int r = 0; r < KEYS; r++) {
            states[r] = window.newState();
        }
        float[][] outputs = new float[KEYS][1];
        boolean[] emitted = new boolean[KEYS];
        int compared = 0;
        for (int t = 0; t < events; t++) {
            for (int r = 0; r < KEYS; r++) {
                for (int f = 0; f < FEATURES; f++) {
                    stream[t][r][f] = random.nextFloat() * 2 - 1;
                }
            }
            window.step(KEYS, stream[t], states, outputs, emitted);
            if (t < length - 1) {
                continue;
            }
            float[][] expected = statefulOverWindow(stateful, stream, length, t);
            for (int r = 0; r < KEYS; r++) {
                assertThat(emitted[r]).isTrue();
                assertThat(Float.floatToIntBits(outputs[r][0]))
                        .as("%s, event %d, key %d: %s vs %s", at, t, r, outputs[r][0], expected[r][0])
                        .isEqualTo(Float.floatToIntBits(expected[r][0]));
                compared++;
            }
        }
        assertThat(compared).isEqualTo((events - length + 1) * KEYS);
    }

    /** Each key's output after events {@code t - length + 1 .. t}, fed one by one from a fresh state. */
    private static float[][] statefulOverWindow(InferenceModel stateful, float[][][] stream, int length, int t) {
        float[][] states = new float[KEYS][];
        for (int r = 0; r < KEYS; r++) {
            states[r] = stateful.newState();
        }
        float[][] outputs = new float[KEYS][1];
        boolean[] emitted = new boolean[KEYS];
        for (int s = t - length + 1; s <= t; s++) {
            stateful.step(KEYS, stream[s], states, outputs, emitted);
        }
        return outputs;
    }
}
