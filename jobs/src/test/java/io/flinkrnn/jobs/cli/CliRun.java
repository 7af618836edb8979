package io.flinkrnn.jobs.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.stream.Stream;
import picocli.CommandLine;

/** One run of flink-rnn's command line in the test's JVM: its exit code and what it printed. */
public record CliRun(int exit, StringWriter out, StringWriter err) {

    /** Runs {@code command} (e.g. {@code state}) with {@code args}. */
    public static CliRun of(String command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = FlinkRnnCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(
                Stream.concat(Stream.of(command), Arrays.stream(args)).toArray(String[]::new));
        return new CliRun(exit, out, err);
    }
}
