package io.flinkrnn.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** A bench command run in this JVM: its exit code and what it printed to standard output. */
record CommandRun(int exit, String out) {

    static CommandRun of(Object command, String... args) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        int exit;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            exit = new CommandLine(command).execute(args);
        } finally {
            System.setOut(stdout);
        }
        return new CommandRun(exit, captured.toString(StandardCharsets.UTF_8));
    }
}
