package io.flinkrnn.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.Fixture;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

class FlinkRnnCliTest {

    private CliRun last;

    private int run(String command, String... args) {
        last = CliRun.of(command, args);
        return last.exit();
    }

    @Test
    void versionNamesTheFlinkItRunsOn() {
        assertThat(run("--version")).isZero();
        assertThat(last.out().toString()).contains("flink-rnn").contains("Apache Flink 2.2.");
    }

    @Test
    void helpListsTheCommands() {
        assertThat(run("--help")).isZero();
        assertThat(last.out().toString()).contains("Usage: flink-rnn").contains("help");
    }

    @Test
    void loaderLimitsComeFromLimitOptionsAndTheErrorNamesTheLimit() {
        String model =
                Fixture.named("keras3_stacked_long").file("keras").orElseThrow().toString();
        assertThat(run("inspect", "--model", model, "--limit", "max-layers=3")).isEqualTo(2);
        assertThat(last.err().toString())
                .contains("the model has 4 layers, more than the limit maxLayers (3)")
                .doesNotContain("\tat ");
        assertThat(run("inspect", "--model", model, "--limit", "max-layers=4", "--limit", "max-file-size=1mb"))
                .isZero();
        assertThat(run("inspect", "--model", model, "--limit", "max-layer=3")).isEqualTo(2);
        assertThat(last.err().toString())
                .contains("unknown --limit 'max-layer' (one of max-file-size, max-config-size, max-json-depth, "
                        + "max-layers, max-tensor-elements)");
    }

    @Test
    void unknownOptionIsAClearError() {
        assertThat(run("--frobnicate")).isEqualTo(2);
        assertThat(last.err().toString()).contains("Unknown option: '--frobnicate'");
    }

    /** Every command and subcommand, as the words that name it: {@code [store, put]}. */
    static Stream<List<String>> everyCommand() {
        return commands(FlinkRnnCli.commandLine(), List.of());
    }

    private static Stream<List<String>> commands(CommandLine parent, List<String> path) {
        return parent.getSubcommands().entrySet().stream().flatMap(e -> {
            List<String> sub =
                    Stream.concat(path.stream(), Stream.of(e.getKey())).toList();
            return Stream.concat(Stream.of(sub), commands(e.getValue(), sub));
        });
    }

    @ParameterizedTest
    @MethodSource("everyCommand")
    void helpOnEveryCommandPrintsItsUsageAndExitsZero(List<String> command) {
        String[] args =
                Stream.concat(command.stream().skip(1), Stream.of("--help")).toArray(String[]::new);
        assertThat(run(command.get(0), args)).as(last.err().toString()).isZero();
        assertThat(last.out().toString()).contains("Usage: flink-rnn " + String.join(" ", command));
    }
}
