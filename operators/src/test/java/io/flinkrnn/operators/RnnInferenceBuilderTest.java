package io.flinkrnn.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkrnn.model.fixtures.Fixture;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * The builder checks its options against the model on the client, when the job is built: a mistake
 * is one line naming the option, not a failure on every TaskManager after submission.
 */
class RnnInferenceBuilderTest {

    /** A model of free sequence length (auto serves it stateful). */
    private static final ModelSource FREE_LENGTH =
            ModelSource.of(Fixture.named("keras3_lstm_seq").file("keras").orElseThrow());

    /** A Bidirectional model, which only window mode can serve. */
    private static final ModelSource BIDIRECTIONAL = ModelSource.of(
            Fixture.named("keras3_bidirectional_sum").file("keras").orElseThrow());

    private static KeyedStream<RnnEvent, String> events() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        return env.fromData(new RnnEvent("k", 0, new float[] {1, 2, 3, 4})).keyBy(RnnEvent::key);
    }

    @Test
    void anUnknownModeFailsWhereItIsSet() {
        assertThatThrownBy(() -> RnnInference.forModel(FREE_LENGTH).mode("stateul"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the mode is auto, stateful or window; got 'stateul'");
        assertThat(RnnInference.forModel(FREE_LENGTH)
                        .mode("STATEFUL")
                        .settings()
                        .mode())
                .isEqualTo(RnnOptions.Mode.STATEFUL);
    }

    @Test
    void anUnknownModeFromAConfigurationFailsAtApply() {
        var config = org.apache.flink.configuration.Configuration.fromMap(
                java.util.Map.of(RnnOptions.MODE.key(), "sideways"));
        assertThatThrownBy(() ->
                        RnnInference.forModel(FREE_LENGTH).configure(config).apply(events()))
                .hasMessage("the mode is auto, stateful or window; got 'sideways'");
    }

    /** This module's tests run without flink-rnn-kernel-nd4j, as a job that did not add it. */
    @Test
    void nd4jWithoutItsModuleFailsAtApplyInOneLine() {
        assertThatThrownBy(() -> RnnInference.forModel(FREE_LENGTH)
                        .kernel(RnnOptions.Kernel.ND4J)
                        .apply(events()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("flink-rnn.kernel=nd4j but flink-rnn-kernel-nd4j is not on the classpath");
    }

    @Test
    void anUnknownKernelFromAConfigurationFailsAtApply() {
        var config =
                org.apache.flink.configuration.Configuration.fromMap(java.util.Map.of(RnnOptions.KERNEL.key(), "cuda"));
        assertThatThrownBy(() ->
                        RnnInference.forModel(FREE_LENGTH).configure(config).apply(events()))
                .hasMessage("flink-rnn.kernel is auto, java or nd4j; got 'cuda'");
        assertThat(RnnInference.forModel(FREE_LENGTH).settings().kernel()).isEqualTo(RnnOptions.Kernel.JAVA);
    }

    @Test
    void aWindowWithoutWindowModeFailsAtApply() {
        assertThatThrownBy(() -> RnnInference.forModel(FREE_LENGTH)
                        .mode("auto")
                        .window(5)
                        .apply(events()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("flink-rnn.window is set but flink-rnn.mode is 'auto': a window length needs window mode");
    }

    @Test
    void windowModeWithoutALengthOnAModelOfFreeLengthFailsAtApply() {
        assertThatThrownBy(
                        () -> RnnInference.forModel(FREE_LENGTH).mode("window").apply(events()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("window mode needs flink-rnn.window: ")
                .hasMessageEndingWith(" takes sequences of any length");
    }

    @Test
    void statefulModeOnANonCausalLayerFailsAtApplyNamingTheLayer() {
        assertThatThrownBy(() ->
                        RnnInference.forModel(BIDIRECTIONAL).mode("stateful").apply(events()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stateful mode")
                .hasMessageContaining("bidirectional")
                .hasMessageNotContaining("\n");
    }

    @Test
    void theUidAndNameReachTheJobGraph() {
        RnnInference.Result result = RnnInference.forModel(FREE_LENGTH)
                .uid("sensor-rnn")
                .name("sensor inference")
                .apply(events());
        Transformation<Prediction> t = result.predictions().getTransformation();
        assertThat(t.getUid()).isEqualTo("sensor-rnn");
        assertThat(t.getName()).isEqualTo("sensor inference");
    }
}
