package io.flinkrnn.jobs.cli;

import io.flinkrnn.engine.ops.VectorModule;
import io.flinkrnn.jobs.demo.DemoCommand;
import io.flinkrnn.jobs.replay.ReplayCommand;
import io.flinkrnn.jobs.run.ProduceCommand;
import io.flinkrnn.jobs.run.RunCommand;
import io.flinkrnn.jobs.sql.SqlCommand;
import java.util.List;
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
            StateCommand.class,
            RunCommand.class,
            SqlCommand.class,
            ProduceCommand.class
        })
public final class FlinkRnnCli implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Flink's reflective access on Java 17, as its own scripts pass it. */
    private static final List<String> JVM_FLAGS = List.of(
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");

    /**
     * Re-runs itself once with the Vector API module, which the engine's fast kernel needs and a
     * jar manifest cannot load; {@code FLINK_RNN_NO_RELAUNCH=1} keeps the scalar kernel instead.
     */
    public static void main(String[] args) throws Exception {
        if (VectorModule.shouldRelaunch("FLINK_RNN_NO_RELAUNCH")) {
            System.exit(VectorModule.relaunch(FlinkRnnCli.class, JVM_FLAGS, args));
        }
        VectorModule.exitWithLauncher();
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by {@link #main} and the tests. */
    public static CommandLine commandLine() {
        return commandLine(new FlinkRnnCli());
    }

    /**
     * One command on its own, with the same error handling: flink-rnn-job.jar runs only {@code run},
     * and leaves out what other commands need (the SQL planner for {@code sql}), which building the
     * whole command tree would load.
     */
    public static CommandLine commandLine(Object command) {
        return new CommandLine(command).setExecutionExceptionHandler(new OneLineErrors());
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
