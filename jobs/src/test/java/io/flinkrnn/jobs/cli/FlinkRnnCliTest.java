package io.flinkrnn.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.Fixture;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class FlinkRnnCliTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = FlinkRnnCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void versionNamesTheFlinkItRunsOn() {
        assertThat(run("--version")).isZero();
        assertThat(out.toString()).contains("flink-rnn").contains("Apache Flink 2.2.");
    }

    @Test
    void helpListsTheCommands() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("Usage: flink-rnn").contains("help");
    }

    @Test
    void loaderLimitsComeFromLimitOptionsAndTheErrorNamesTheLimit() {
        String model =
                Fixture.named("keras3_stacked_long").file("keras").orElseThrow().toString();
        assertThat(run("inspect", "--model", model, "--limit", "max-layers=3")).isEqualTo(2);
        assertThat(err.toString())
                .contains("the model has 4 layers, more than the limit maxLayers (3)")
                .doesNotContain("\tat ");
        assertThat(run("inspect", "--model", model, "--limit", "max-layers=4", "--limit", "max-file-size=1mb"))
                .isZero();
        assertThat(run("inspect", "--model", model, "--limit", "max-layer=3")).isEqualTo(2);
        assertThat(err.toString())
                .contains("unknown --limit 'max-layer' (one of max-file-size, max-config-size, max-json-depth, "
                        + "max-layers, max-tensor-elements)");
    }

    @Test
    void unknownOptionIsAClearError() {
        assertThat(run("--frobnicate")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown option: '--frobnicate'");
    }
}
