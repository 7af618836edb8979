package io.flinkrnn.jobs.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The classpath of the cluster's JVMs: Flink 2.2.1's runtime from Maven Central, as listed by
 * {@code tools/cluster-test/pom.xml} (flink-dist itself is not published there). Nothing of
 * flink-rnn is on it: the job's classes reach the cluster only inside flink-rnn-job.jar.
 */
public final class FlinkRuntime {

    private FlinkRuntime() {}

    /**
     * The classpath written by {@code mvn -f tools/cluster-test/pom.xml dependency:build-classpath}:
     * the file named by the system property {@code flinkrnn.cluster.classpath} when it exists, else
     * Maven is run now (it downloads what is missing) and writes {@code out}.
     */
    public static String classpath(Path repoRoot, Path out) throws IOException, InterruptedException {
        String given = System.getProperty("flinkrnn.cluster.classpath");
        if (given != null && !given.isBlank() && Files.exists(Path.of(given))) {
            return Files.readString(Path.of(given)).trim();
        }
        String mavenHome = System.getProperty("maven.home");
        String mvn = mavenHome != null && Files.isExecutable(Path.of(mavenHome, "bin", "mvn"))
                ? Path.of(mavenHome, "bin", "mvn").toString()
                : "mvn";
        Files.createDirectories(out.getParent());
        Path log = out.resolveSibling("flink-classpath.log");
        Process p = new ProcessBuilder(List.of(
                        mvn,
                        "-B",
                        "-q",
                        "-f",
                        repoRoot.resolve("tools/cluster-test/pom.xml").toString(),
                        "dependency:build-classpath",
                        "-Dmdep.outputFile=" + out))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("resolving the Flink runtime took over 10 minutes; see " + log);
        }
        if (p.exitValue() != 0 || !Files.exists(out)) {
            throw new IllegalStateException("resolving the Flink runtime failed:\n" + Files.readString(log));
        }
        return Files.readString(out).trim();
    }
}
