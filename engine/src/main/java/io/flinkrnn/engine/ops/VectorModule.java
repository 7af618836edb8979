package io.flinkrnn.engine.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The incubating Vector API that {@link JavaKernel}'s fast path needs. A jar manifest cannot load an
 * incubator module (JDK 17 ignores an {@code Add-Modules} attribute), so command-line launchers
 * started without {@code --add-modules jdk.incubator.vector} re-run themselves once with it; a
 * TaskManager gets it from {@code env.java.opts.taskmanager}.
 *
 * <p>The relaunched JVM lives and dies with the process the user started: that process passes
 * SIGTERM and SIGINT on (its shutdown hook stops the child), and the child stops by itself when that
 * process is gone, {@code kill -9} included, so that no second copy of a job runs on unseen.
 */
public final class VectorModule {

    /** The flag that loads the module. */
    public static final String FLAG = "--add-modules=jdk.incubator.vector";

    /** Set in the relaunched JVM's environment to the launching process's pid. */
    private static final String LAUNCHER_PID = "FLINK_RNN_RELAUNCHED";

    private static final String INCUBATOR_NOTICE = "WARNING: Using incubator modules: jdk.incubator.vector";

    /** How long a stopped launcher waits for the relaunched JVM's shutdown before killing it. */
    private static final long CHILD_SHUTDOWN_SECONDS = 30;

    /** How long the relaunched JVM's own shutdown may take once its launcher is gone. */
    private static final long ORPHAN_SHUTDOWN_SECONDS = 10;

    private VectorModule() {}

    /** Whether this JVM loaded the module. */
    public static boolean present() {
        try {
            return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                    && Class.forName("jdk.incubator.vector.FloatVector") != null;
        } catch (ClassNotFoundException | LinkageError | SecurityException e) {
            return false;
        }
    }

    /**
     * Whether {@code main} should hand over to {@link #relaunch}: the module is missing, this is not
     * already a relaunched JVM, and {@code optOutVariable} is not set.
     */
    public static boolean shouldRelaunch(String optOutVariable) {
        return !present() && System.getenv(LAUNCHER_PID) == null && System.getenv(optOutVariable) == null;
    }

    /**
     * Runs {@code mainClass} again in a child JVM of the same binary and classpath, with the module
     * and {@code jvmFlags}, sharing this process's standard input and output; returns its exit code.
     * Its standard error passes through too, less the JVM's notice that an incubator module is in use.
     * If this JVM is asked to stop (SIGTERM, SIGINT), it stops the child first.
     */
    public static int relaunch(Class<?> mainClass, List<String> jvmFlags, String[] args)
            throws java.io.IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add(FLAG);
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.INHERIT)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT);
        builder.environment()
                .put(LAUNCHER_PID, String.valueOf(ProcessHandle.current().pid()));
        Process child = builder.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(child), "flink-rnn stop child JVM"));
        Thread errors = new Thread(() -> copyErrors(child), "flink-rnn stderr");
        errors.start();
        int exit = child.waitFor();
        errors.join();
        return exit;
    }

    /**
     * In a JVM that {@link #relaunch} started: exits when the launching process ends, however it
     * ends. Call first thing in {@code main}; elsewhere it does nothing.
     */
    public static void exitWithLauncher() {
        String pid = System.getenv(LAUNCHER_PID);
        if (pid == null) {
            return;
        }
        // The JDK polls a process that is not its child: the exit is noticed within seconds.
        ProcessHandle.of(Long.parseLong(pid))
                .ifPresentOrElse(
                        launcher -> launcher.onExit().thenRun(VectorModule::exitOrphaned), VectorModule::exitOrphaned);
    }

    /**
     * The launcher is gone and nobody reads our exit code. Shutdown hooks still run (they delete
     * Flink's and RocksDB's temporary directories), but a hook that hangs must not keep an orphan
     * alive: the JVM halts after {@link #ORPHAN_SHUTDOWN_SECONDS} whatever happens.
     */
    private static void exitOrphaned() {
        Thread halt = new Thread(
                () -> {
                    sleepSeconds(ORPHAN_SHUTDOWN_SECONDS);
                    Runtime.getRuntime().halt(1);
                },
                "flink-rnn halt orphan");
        halt.setDaemon(true);
        halt.start();
        System.exit(1);
    }

    /** Passes a stop request on to the child as SIGTERM; kills it if it does not stop in time. */
    private static void stop(Process child) {
        child.destroy();
        try {
            if (!child.waitFor(CHILD_SHUTDOWN_SECONDS, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        } catch (InterruptedException e) {
            child.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void sleepSeconds(long seconds) {
        try {
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void copyErrors(Process child) {
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(child.getErrorStream()))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (!line.equals(INCUBATOR_NOTICE)) {
                    System.err.println(line);
                }
            }
        } catch (java.io.IOException e) {
            System.err.println("flink-rnn: lost the child JVM's standard error: " + e.getMessage());
        }
    }
}
