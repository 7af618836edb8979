package io.flinkrnn.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** Each flag of {@code run} sets its config key, and README's settings table pairs them alike. */
class RunFlagsTest {

    static Stream<RunFlag> flags() {
        return Stream.concat(
                Stream.of(
                        new RunFlag("--model", RunOptions.MODEL, null),
                        new RunFlag("--weights", RunOptions.WEIGHTS, null)),
                RunFlag.ALL.stream());
    }

    @ParameterizedTest
    @MethodSource("flags")
    void theFlagSetsItsKeyAndSaysWhichInItsHelp(RunFlag flag) {
        RunCommand run = new RunCommand();
        CommandLine cli = new CommandLine(run);
        List<String> args = flag.name().equals("--weights")
                ? List.of("--model", "m.json", "--weights", "w.h5")
                : List.of(flag.name(), "w.h5");
        cli.parseArgs(args.toArray(String[]::new));
        Map<String, String> settings = run.settings();
        assertThat(settings).containsEntry(flag.option().key(), "w.h5");
        assertThat(cli.getUsageMessage()).contains("[" + flag.option().key() + "]");
    }

    @ParameterizedTest
    @MethodSource("flags")
    void readmeListsTheFlagBesideItsKey(RunFlag flag) throws Exception {
        List<String> rows =
                Files.readAllLines(Path.of("").toAbsolutePath().getParent().resolve("README.md"));
        assertThat(rows)
                .as(
                        "README's run settings table has a row with `%s` and `%s`",
                        flag.name(), flag.option().key())
                .anyMatch(row -> row.startsWith("| ")
                        && row.contains("`" + flag.name() + "`")
                        && row.contains("`" + flag.option().key() + "`"));
    }
}
