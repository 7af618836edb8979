package io.flinkrnn.bench;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar bench/target/flink-rnn-bench.jar compare|kernel|job}. The kernel rates need the
 * incubating Vector API module, which a manifest cannot load: when it is missing this relaunches the
 * same JVM binary with {@code --add-modules jdk.incubator.vector} (set {@code FLINK_RNN_BENCH_NO_RELAUNCH=1}
 * to measure the scalar fallback as it is).
 */
@Command(
        name = "flink-rnn-bench",
        mixinStandardHelpOptions = true,
        subcommands = {CompareCommand.class, KernelCommand.class, JobCommand.class},
        description = "flink-rnn benchmarks: engine vs DL4J, kernel efficiency, the whole Flink job.")
public final class BenchCli implements Runnable {

    static final String[] JVM_FLAGS = {
        "--add-modules=jdk.incubator.vector",
        "--add-opens=java.base/java.util=ALL-UNNAMED",
        "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "-Xmx6g",
        "-XX:+UseParallelGC",
    };

    public static void main(String[] args) throws Exception {
        boolean vector = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        if (!vector && System.getenv("FLINK_RNN_BENCH_NO_RELAUNCH") == null) {
            System.exit(relaunch(args));
        }
        System.exit(new CommandLine(new BenchCli()).execute(args));
    }

    private static int relaunch(String[] args) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("java.class.path");
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(List.of(JVM_FLAGS));
        command.add("-cp");
        command.add(classpath == null || classpath.isEmpty() ? new File(".").getPath() : classpath);
        command.add(BenchCli.class.getName());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().put("FLINK_RNN_BENCH_NO_RELAUNCH", "1");
        return builder.start().waitFor();
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
