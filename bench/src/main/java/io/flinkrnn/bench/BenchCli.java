package io.flinkrnn.bench;

import io.flinkrnn.engine.ops.VectorModule;
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
        subcommands = {
            CompareCommand.class,
            KernelCommand.class,
            BlockCommand.class,
            JobCommand.class,
            ConvLstmCommand.class,
            BootstrapCommand.class,
            SqlPathCommand.class,
            PrecisionCommand.class
        },
        description = "flink-rnn benchmarks: engine vs DL4J, kernel efficiency, the whole Flink job.")
public final class BenchCli implements Runnable {

    static final List<String> JVM_FLAGS = List.of(
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "-Xmx6g");

    /**
     * The collector, from {@code FLINK_RNN_BENCH_GC}: ParallelGC by default, for throughput; the
     * latency runs take {@code "-XX:+UseG1GC -XX:MaxGCPauseMillis=5"}, as a latency-minded TaskManager
     * runs, because ParallelGC's young pauses (10-90 ms here) are the job's p99.
     */
    static List<String> jvmFlags() {
        String gc = System.getenv().getOrDefault("FLINK_RNN_BENCH_GC", "-XX:+UseParallelGC");
        return java.util.stream.Stream.concat(
                        JVM_FLAGS.stream(), java.util.Arrays.stream(gc.trim().split("\\s+")))
                .toList();
    }

    public static void main(String[] args) throws Exception {
        if (VectorModule.shouldRelaunch("FLINK_RNN_BENCH_NO_RELAUNCH")) {
            System.exit(VectorModule.relaunch(BenchCli.class, jvmFlags(), args));
        }
        VectorModule.exitWithLauncher();
        System.exit(new CommandLine(new BenchCli()).execute(args));
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
