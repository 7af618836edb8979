package io.flinkrnn.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.Fixture;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code flink-rnn inspect} on functional graphs: the layers, what each is connected to, Keras's param count. */
class InspectCommandTest {

    private StringWriter out;

    private int inspect(Fixture f, String file) {
        out = new StringWriter();
        CommandLine cli = FlinkRnnCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        return cli.execute("inspect", "--model", f.file(file).orElseThrow().toString());
    }

    @Test
    void encoderDecoderPrintsItsConnectionsLikeModelSummary() {
        Fixture f = Fixture.named("keras3_graph_encoder_decoder");
        assertThat(inspect(f, "keras")).as(out.toString()).isZero();
        assertThat(out.toString().lines().map(String::strip))
                .contains(
                        "Layer (type)                             Output Shape                  Param #  Connected to",
                        "input (InputLayer)                       (None, None, 3)                     0  -",
                        "lstm (LSTM)                              [(None, 6), (None, 6), (None, 6)]          240"
                                + "  input[0][0]",
                        "repeat_vector (RepeatVector)             (None, 3, 6)                        0  lstm[0][0]",
                        "lstm_1 (LSTM)                            (None, 3, 6)                      312  repeat_vector[0][0],"
                                + " lstm[0][1] (initial_state), lstm[0][2] (initial_state)",
                        "time_distributed (TimeDistributed)       (None, 3, 2)                       14  lstm_1[0][0]",
                        "Total params: " + f.countParams(),
                        "Output: time_distributed[0][0]")
                .anyMatch(l -> l.startsWith("Streaming mode: stateful"));
    }

    @Test
    void aSecondInputOfStaticFeaturesIsListedWithItsEventColumns() {
        Fixture f = Fixture.named("keras3_graph_static_input");
        assertThat(inspect(f, "keras")).as(out.toString()).isZero();
        assertThat(out.toString())
                .contains("input_1 (InputLayer)")
                .contains("lstm[0][0], input_1[0][0]")
                .contains("Event columns: input x0..x2 (a step of (None, None, 3)), input_1 x3..x4 (static (None, 2))")
                .contains("Total params: " + f.countParams());
    }

    @Test
    void branchesShowBothInputsOfTheMerge() {
        Fixture f = Fixture.named("keras2_graph_branches");
        assertThat(inspect(f, "h5")).as(out.toString()).isZero();
        assertThat(out.toString()).contains("lstm[0][0], gru[0][0]").contains("Total params: " + f.countParams());
    }

    @Test
    void outputsOfTwoLayersAreListedWithTheirOutputColumns() {
        Fixture f = Fixture.named("keras2_graph_two_heads");
        assertThat(inspect(f, "h5")).as(out.toString()).isZero();
        assertThat(out.toString())
                .contains("Outputs: dense[0][0], lstm[0][0]")
                .contains("Per event: 3 input floats -> 8 output floats")
                .contains("Output columns: dense[0][0] y0..y1, lstm[0][0] y2..y7")
                .contains("Total params: " + f.countParams());
    }

    @Test
    void twoSequenceInputsAreListedWithTheirEventColumns() {
        Fixture f = Fixture.named("keras3_graph_two_sequences_window");
        assertThat(inspect(f, "keras")).as(out.toString()).isZero();
        assertThat(out.toString())
                .contains(
                        "Event columns: input x0..x2 (a step of (None, 5, 3)), input_1 x3..x4 (a step of (None, 5, 2))")
                .contains("Streaming mode: window(5)")
                .contains("Total params: " + f.countParams());
    }

    @Test
    void dotIsCountedLikeKeras() {
        Fixture f = Fixture.named("keras3_graph_dot");
        assertThat(inspect(f, "keras")).as(out.toString()).isZero();
        assertThat(out.toString()).contains("lstm[0][0], gru[0][0]").contains("Total params: " + f.countParams());
    }
}
