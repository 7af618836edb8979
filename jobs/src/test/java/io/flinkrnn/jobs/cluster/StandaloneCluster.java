package io.flinkrnn.jobs.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.flinkrnn.jobs.FreePorts;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A standalone Flink session cluster made of real processes on 127.0.0.1: one JobManager
 * ({@code StandaloneSessionClusterEntrypoint}) and TaskManagers ({@code TaskManagerRunner}), each its
 * own JVM started the way Flink's {@code bin/jobmanager.sh} and {@code bin/taskmanager.sh} start them
 * (memory flags and dynamic properties computed by Flink's {@code BashJavaUtils}, the Java 17
 * {@code --add-opens} of Flink's default {@code env.java.opts.all}), with Flink's own CLI ({@code
 * CliFrontend}, i.e. {@code bin/flink}) for submitting and stopping jobs and the REST API for watching
 * them. Every process's pid is written to {@code <dir>/pids/} so that a wrapper script can kill what
 * a crashed test left behind; {@link #close()} stops them all. Each process gets a free port of its
 * own for a Prometheus reporter, should the settings configure one ({@link #scrapePrometheus}).
 */
public final class StandaloneCluster implements AutoCloseable {

    /** Flink's default {@code env.java.opts.all} for Java 17 (flink-dist's config.yaml). */
    static final List<String> JAVA_17_OPTS = List.of(
            "-XX:+IgnoreUnrecognizedVMOptions",
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private static final JsonMapper JSON = new JsonMapper();
    private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");
    private static final Pattern SAVEPOINT = Pattern.compile("Savepoint completed\\. Path: (\\S+)");

    private final Path dir;
    private final Path conf;
    private final Path logs;
    private final Path pids;
    private final String classpath;
    private final int restPort;
    private final Map<String, Process> processes = new ConcurrentHashMap<>();
    private final Map<String, Integer> prometheusPorts = new ConcurrentHashMap<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private int cliRuns;
    private List<String[]> taskManagerParams;

    private StandaloneCluster(Path dir, String classpath, int restPort) throws IOException {
        this.dir = dir;
        this.conf = Files.createDirectories(dir.resolve("conf"));
        this.logs = Files.createDirectories(dir.resolve("log"));
        this.pids = Files.createDirectories(dir.resolve("pids"));
        this.classpath = classpath;
        this.restPort = restPort;
        // Should the test JVM be stopped (Ctrl-C, a Maven timeout), the cluster goes with it.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> processes.values().forEach(Process::destroyForcibly)));
    }

    /**
     * Writes {@code conf/config.yaml} (loopback addresses, free ports, then {@code settings}) and
     * starts the JobManager.
     */
    public static StandaloneCluster startJobManager(Path dir, String classpath, Map<String, String> settings)
            throws IOException {
        int[] ports = FreePorts.distinct(2);
        int restPort = ports[0];
        StandaloneCluster cluster = new StandaloneCluster(dir, classpath, restPort);
        Map<String, String> config = new LinkedHashMap<>();
        config.put("jobmanager.rpc.address", "127.0.0.1");
        config.put("jobmanager.rpc.port", String.valueOf(ports[1]));
        config.put("jobmanager.bind-host", "127.0.0.1");
        config.put("taskmanager.host", "127.0.0.1");
        config.put("taskmanager.bind-host", "127.0.0.1");
        config.put("rest.address", "127.0.0.1");
        config.put("rest.bind-address", "127.0.0.1");
        config.put("rest.port", String.valueOf(restPort));
        config.putAll(settings);
        Files.writeString(
                cluster.conf.resolve("config.yaml"),
                config.entrySet().stream()
                        .map(e -> e.getKey() + ": " + e.getValue())
                        .collect(Collectors.joining("\n", "", "\n")));
        Files.writeString(
                cluster.conf.resolve("log4j.properties"),
                String.join(
                        "\n",
                        "rootLogger.level = INFO",
                        "rootLogger.appenderRef.file.ref = MainAppender",
                        "appender.main.name = MainAppender",
                        "appender.main.type = File",
                        "appender.main.append = true",
                        "appender.main.fileName = ${sys:log.file}",
                        "appender.main.layout.type = PatternLayout",
                        "appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
                        ""));
        List<String[]> params = cluster.resourceParams("GET_JM_RESOURCE_PARAMS");
        List<String> args = new ArrayList<>(Arrays.asList(params.get(1)));
        cluster.launch(
                "jobmanager",
                Arrays.asList(params.get(0)),
                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                args);
        return cluster;
    }

    /**
     * Kills ({@code kill -9}) the processes a previous run in {@code dir} recorded and did not stop,
     * each only while its command line still names {@code dir}.
     */
    public static void killLeftovers(Path dir) throws IOException {
        Path pidDir = dir.resolve("pids");
        if (!Files.isDirectory(pidDir)) {
            return;
        }
        try (var files = Files.list(pidDir)) {
            for (Path f : files.toList()) {
                long pid = Long.parseLong(Files.readString(f).trim());
                ProcessHandle.of(pid)
                        .filter(h -> h.info()
                                .commandLine()
                                .map(c -> c.contains(dir.toString()))
                                .orElse(false))
                        .ifPresent(ProcessHandle::destroyForcibly);
                Files.delete(f);
            }
        }
    }

    /** Starts a TaskManager JVM named {@code name} (its log is {@code log/<name>.log}). */
    public void startTaskManager(String name) throws IOException {
        if (taskManagerParams == null) {
            taskManagerParams = resourceParams("GET_TM_RESOURCE_PARAMS");
        }
        List<String[]> params = taskManagerParams;
        launch(
                name,
                Arrays.asList(params.get(0)),
                "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                new ArrayList<>(Arrays.asList(params.get(1))));
    }

    /** {@code kill -9}: the process gets no chance to clean up, as when a machine or container dies. */
    public void kill9(String name) throws Exception {
        Process p = processes.remove(name);
        long pid = p.pid();
        Process kill = new ProcessBuilder("kill", "-9", String.valueOf(pid))
                .redirectErrorStream(true)
                .start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -9 " + pid + " failed: "
                    + new String(kill.getInputStream().readAllBytes()));
        }
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " (pid " + pid + ") still alive 10 s after kill -9");
        }
        Files.deleteIfExists(pids.resolve(name + ".pid"));
    }

    /** {@code flink run -d ARGS}: returns the submitted job's id. */
    public String submit(String... args) throws Exception {
        List<String> cli = new ArrayList<>(List.of("run", "-d"));
        cli.addAll(List.of(args));
        String out = cli(cli, Duration.ofMinutes(2));
        Matcher m = JOB_ID.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("flink run printed no JobID:\n" + out);
        }
        return m.group(1);
    }

    /** {@code flink stop --savepointPath DIR JOB}: stop with a savepoint; returns its path. */
    public String stopWithSavepoint(String jobId, Path savepointDir) throws Exception {
        String out =
                cli(List.of("stop", "--savepointPath", savepointDir.toUri().toString(), jobId), Duration.ofMinutes(2));
        Matcher m = SAVEPOINT.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("flink stop printed no savepoint path:\n" + out);
        }
        return m.group(1);
    }

    /** {@code flink cancel JOB}. */
    public void cancel(String jobId) throws Exception {
        cli(List.of("cancel", jobId), Duration.ofMinutes(1));
    }

    /** Runs Flink's CLI ({@code bin/flink ARGS}) against this cluster; fails on a non-zero exit. */
    public String cli(List<String> args, Duration timeout) throws Exception {
        String name = "client-" + (++cliRuns);
        List<String> command = new ArrayList<>();
        command.add(javaBin());
        command.addAll(JAVA_17_OPTS);
        command.add("-Dlog.file=" + logs.resolve(name + ".log"));
        command.add(
                "-Dlog4j.configurationFile=" + conf.resolve("log4j.properties").toUri());
        command.add("-classpath");
        command.add(classpath);
        command.add("org.apache.flink.client.cli.CliFrontend");
        command.addAll(args);
        Path out = logs.resolve(name + ".out");
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .directory(dir.toFile());
        pb.environment().put("FLINK_CONF_DIR", conf.toString());
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("flink " + String.join(" ", args) + " did not finish in " + timeout + ":\n"
                    + Files.readString(out));
        }
        String text = Files.readString(out);
        if (p.exitValue() != 0) {
            throw new IllegalStateException(
                    "flink " + String.join(" ", args) + " exited with " + p.exitValue() + ":\n" + text);
        }
        return text;
    }

    /**
     * The Prometheus text exposition of process {@code name}: what a Prometheus server would scrape
     * from its reporter's endpoint ({@code metrics.reporter.<name>.factory.class} in the settings).
     */
    public String scrapePrometheus(String name) throws IOException, InterruptedException {
        Integer port = prometheusPorts.get(name);
        if (port == null) {
            throw new IllegalArgumentException("no process named " + name);
        }
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + name + "'s /metrics -> " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /** GET {@code path} of the REST API, as JSON. */
    public JsonNode rest(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + " -> " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** Polls {@code path} until {@code condition} holds; fails with the last answer after {@code timeout}. */
    public JsonNode await(String what, String path, Predicate<JsonNode> condition, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        Exception lastError = null;
        while (System.nanoTime() < deadline) {
            assertAlive();
            try {
                last = rest(path);
                if (condition.test(last)) {
                    return last;
                }
            } catch (IOException e) {
                lastError = e;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; last " + path + ": "
                + (last != null ? last : lastError));
    }

    /** Waits until the cluster has {@code taskManagers} registered with {@code slots} slots in total. */
    public void awaitTaskManagers(int taskManagers, int slots, Duration timeout) throws Exception {
        await(
                taskManagers + " TaskManagers with " + slots + " slots",
                "/overview",
                o -> o.path("taskmanagers").asInt() == taskManagers
                        && o.path("slots-total").asInt() == slots,
                timeout);
    }

    /**
     * Waits until the job runs with every task RUNNING, except the tasks of bounded sources that have
     * already FINISHED (such as an operator's empty control stream); returns {@code /jobs/:id}.
     */
    public JsonNode awaitAllTasksRunning(String jobId, Duration timeout) throws Exception {
        return await(
                "all tasks of " + jobId + " RUNNING",
                "/jobs/" + jobId,
                j -> "RUNNING".equals(j.path("state").asText())
                        && j.path("vertices").size() > 0
                        && allVertices(j, v -> {
                            String status = v.path("status").asText();
                            return "RUNNING".equals(status) || "FINISHED".equals(status);
                        }),
                timeout);
    }

    /** Waits until the job has completed at least {@code n} checkpoints; returns {@code /jobs/:id/checkpoints}. */
    public JsonNode awaitCompletedCheckpoints(String jobId, int n, Duration timeout) throws Exception {
        return await(
                n + " completed checkpoints of " + jobId,
                "/jobs/" + jobId + "/checkpoints",
                c -> c.path("counts").path("completed").asInt() >= n,
                timeout);
    }

    private static boolean allVertices(JsonNode job, Predicate<JsonNode> p) {
        for (JsonNode v : job.path("vertices")) {
            if (!p.test(v)) {
                return false;
            }
        }
        return true;
    }

    public Path logs() {
        return logs;
    }

    /** The last {@code lines} lines of {@code log/<name>.log}, for failure messages. */
    public String logTail(String name, int lines) {
        try {
            List<String> all = Files.readAllLines(logs.resolve(name + ".log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private void assertAlive() {
        processes.forEach((name, p) -> {
            if (!p.isAlive()) {
                throw new IllegalStateException(name + " exited with " + p.exitValue() + ":\n" + logTail(name, 40));
            }
        });
    }

    /**
     * What {@code bin/config.sh} asks {@code BashJavaUtils} for: the JVM memory flags and the
     * dynamic properties ({@code -D taskmanager.memory.*=...}) derived from config.yaml.
     */
    private List<String[]> resourceParams(String command) throws IOException {
        List<String> cmd = List.of(
                javaBin(),
                "-classpath",
                classpath,
                "org.apache.flink.runtime.util.bash.BashJavaUtils",
                command,
                "--configDir",
                conf.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("BashJavaUtils " + command + " failed:\n" + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException();
        }
        List<String[]> results = out.lines()
                .filter(l -> l.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:"))
                .map(l -> l.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length()).trim())
                .map(l -> l.isEmpty() ? new String[0] : l.split(" "))
                .toList();
        if (results.size() < 2) {
            throw new IllegalStateException("BashJavaUtils " + command + " printed:\n" + out);
        }
        return results;
    }

    private void launch(String name, List<String> jvmFlags, String mainClass, List<String> dynamicProperties)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaBin());
        command.addAll(jvmFlags);
        command.addAll(JAVA_17_OPTS);
        command.add("-Dlog.file=" + logs.resolve(name + ".log"));
        command.add(
                "-Dlog4j.configurationFile=" + conf.resolve("log4j.properties").toUri());
        command.add("-classpath");
        command.add(classpath);
        command.add(mainClass);
        command.add("--configDir");
        command.add(conf.toString());
        command.addAll(dynamicProperties);
        // Read only by a configured Prometheus reporter; a port per process, as on separate hosts.
        int prometheusPort = FreePorts.one();
        command.add("-D");
        command.add("metrics.reporter.prom.port=" + prometheusPort);
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(logs.resolve(name + ".out").toFile())
                .directory(dir.toFile())
                .start();
        processes.put(name, p);
        prometheusPorts.put(name, prometheusPort);
        Files.writeString(pids.resolve(name + ".pid"), p.pid() + "\n");
    }

    /** Stops every process: SIGTERM, then SIGKILL for any still alive after 15 s. */
    @Override
    public void close() {
        processes.values().forEach(Process::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (Map.Entry<String, Process> e : processes.entrySet()) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!e.getValue().waitFor(left, TimeUnit.NANOSECONDS)) {
                    e.getValue().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                Files.deleteIfExists(pids.resolve(e.getKey() + ".pid"));
            } catch (InterruptedException ex) {
                e.getValue().destroyForcibly();
                Thread.currentThread().interrupt();
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
        processes.clear();
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
