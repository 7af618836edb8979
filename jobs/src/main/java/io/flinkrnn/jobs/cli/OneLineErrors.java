package io.flinkrnn.jobs.cli;

import picocli.CommandLine;

/**
 * Users see one line naming what went wrong, never a stack trace; {@code FLINK_RNN_DEBUG=1} brings
 * the trace back for bug reports.
 */
final class OneLineErrors implements CommandLine.IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        cmd.getErr().println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        if (System.getenv("FLINK_RNN_DEBUG") != null) {
            e.printStackTrace(cmd.getErr());
        }
        return 2;
    }
}
