package io.flinkrnn.operators.internal.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.engine.Mode;
import io.flinkrnn.model.KerasModels;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.operators.RnnOptions;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Without flink-rnn-kernel-nd4j on the classpath (this module's tests), {@code auto} is the Java
 * kernel, bit for bit, and {@code nd4j} is refused in one line on the TaskManager as on the client.
 */
class KernelChoiceTest {

    private static final ModelSpec LSTM =
            KerasModels.load(Fixture.named("keras3_lstm_seq").file("keras").orElseThrow());

    @Test
    void autoWithoutNd4jGivesTheJavaKernelsBits() {
        long seed = new Random().nextLong();
        System.out.println("KernelChoiceTest seed " + seed);
        float[][] java = run(KernelChoice.compile(LSTM, Mode.auto(), RnnOptions.Kernel.JAVA, 8), seed);
        float[][] auto = run(KernelChoice.compile(LSTM, Mode.auto(), RnnOptions.Kernel.AUTO, 8), seed);
        assertThat(auto).isDeepEqualTo(java);
    }

    @Test
    void nd4jWithoutItsModuleIsOneLine() {
        assertThatThrownBy(() -> KernelChoice.compile(LSTM, Mode.auto(), RnnOptions.Kernel.ND4J, 8))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("flink-rnn.kernel=nd4j but flink-rnn-kernel-nd4j is not on the classpath");
    }

    /** Eight keys, five steps of seeded random events: every output, in order. */
    private static float[][] run(InferenceModel model, long seed) {
        Random random = new Random(seed);
        int keys = 8;
        int steps = 5;
        float[][] states = new float[keys][];
        for (int k = 0; k < keys; k++) {
            states[k] = model.newState();
        }
        float[][] outputs = new float[keys * steps][model.outputSize()];
        for (int t = 0; t < steps; t++) {
            float[][] events = new float[keys][model.inputSize()];
            for (float[] e : events) {
                for (int i = 0; i < e.length; i++) {
                    e[i] = (float) random.nextGaussian();
                }
            }
            float[][] out = new float[keys][];
            System.arraycopy(outputs, t * keys, out, 0, keys);
            model.step(keys, events, states, out, new boolean[keys]);
        }
        return outputs;
    }
}
