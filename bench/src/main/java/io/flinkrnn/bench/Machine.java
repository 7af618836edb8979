package io.flinkrnn.bench;

import io.flinkrnn.engine.ops.JavaKernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** What the numbers were measured on, printed at the top of every run. */
final class Machine {

    /** The CPU's flags line from /proc/cpuinfo, read once ("" where there is none). */
    private static final String FLAGS = readFlags();

    private Machine() {}

    static String cpu() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            String model = lines.stream()
                    .filter(l -> l.startsWith("model name"))
                    .findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .orElse("?");
            return model + (widestVectorBits() == 512 ? ", AVX-512" : "") + (hasFlag(" fma") ? ", FMA" : "");
        } catch (IOException e) {
            return System.getProperty("os.arch");
        }
    }

    /** The CPU's widest float vectors, whatever this JVM was told to use (-XX:UseAVX). */
    static int widestVectorBits() {
        return hasFlag("avx512f") ? 512 : hasFlag(" avx2") ? 256 : 128;
    }

    private static boolean hasFlag(String flag) {
        return FLAGS.contains(flag);
    }

    private static String readFlags() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("flags"))
                    .findFirst()
                    .orElse("");
        } catch (IOException e) {
            return "";
        }
    }

    static String loadavg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "n/a";
        }
    }

    static void header(String what) {
        System.out.println("# flink-rnn bench " + what + " — " + Instant.now());
        System.out.println(
                "# cpu: " + cpu() + "; cores: " + Runtime.getRuntime().availableProcessors() + "; max heap: "
                        + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
        System.out.println("# jvm: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
                + "; gc: "
                + java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                        .map(java.lang.management.GarbageCollectorMXBean::getName)
                        .toList()
                + "; engine kernel: "
                + (JavaKernel.INSTANCE.vectorized()
                        ? "vectorized (" + JavaKernel.lanes() + " float lanes)"
                        : "scalar (jdk.incubator.vector not loaded)"));
        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-XX:UseAVX"))
                .forEach(a -> System.out.println("# jvm flag: " + a));
        System.out.println("# loadavg at start: " + loadavg());
    }

    static void footer() {
        System.out.println("# loadavg at end: " + loadavg());
    }
}
