package io.flinkrnn.jobs.cli;

import java.io.StringWriter;

/** The {@code state} tests' way to run {@code flink-rnn state ...}, keeping what the last run printed. */
abstract class StateCliTest {

    /** What the last {@link #state} run printed to standard output and to standard error. */
    StringWriter out;

    StringWriter err;

    int state(String... args) {
        CliRun run = CliRun.of("state", args);
        out = run.out();
        err = run.err();
        return run.exit();
    }
}
