package io.flinkrnn.jobs.cli;

import java.io.StringWriter;
import java.nio.file.Path;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code state} tests' common ground: the cluster their jobs run on, a scratch directory, and a
 * way to run {@code flink-rnn state ...} that keeps what the last run printed.
 */
abstract class StateCliTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(3)
            .build());

    @TempDir
    Path dir;

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
