package io.flinkrnn.jobs.cli;

import io.flinkrnn.jobs.demo.DemoCommand;
import io.flinkrnn.jobs.replay.ReplayCommand;
import io.flinkrnn.jobs.run.ProduceCommand;
import io.flinkrnn.jobs.run.RunCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code flink-rnn.jar} command line: {@code java -jar jobs/target/flink-rnn.jar <command>}. */
@Command(
        name = "flink-rnn",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Keras recurrent models (LSTM, GRU, SimpleRNN, ...) on keyed Apache Flink streams.",
        subcommands = {
            CommandLine.HelpCommand.class,
            DemoCommand.class,
            ReplayCommand.class,
            InspectCommand.class,
            StoreCommand.class,
            RunCommand.class,
            ProduceCommand.class
        })
public final class FlinkRnnCli implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by {@link #main} and the tests. */
    public static CommandLine commandLine() {
        return new CommandLine(new FlinkRnnCli()).setExecutionExceptionHandler(new OneLineErrors());
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
