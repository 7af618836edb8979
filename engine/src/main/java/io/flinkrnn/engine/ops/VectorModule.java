package io.flinkrnn.engine.ops;

import java.util.ArrayList;
import java.util.List;

/**
 * The incubating Vector API that {@link JavaKernel}'s fast path needs. A jar manifest cannot load an
 * incubator module, so command-line launchers re-run themselves once with it; a TaskManager gets it
 * from {@code env.java.opts.taskmanager}.
 */
public final class VectorModule {

    /** The flag that loads the module. */
    public static final String FLAG = "--add-modules=jdk.incubator.vector";

    private static final String RELAUNCHED = "FLINK_RNN_RELAUNCHED";

    private static final String INCUBATOR_NOTICE = "WARNING: Using incubator modules: jdk.incubator.vector";

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
        return !present() && System.getenv(RELAUNCHED) == null && System.getenv(optOutVariable) == null;
    }

    /**
     * Runs {@code mainClass} again in a child JVM of the same binary and classpath, with the module
     * and {@code jvmFlags}, sharing this process's standard input and output; returns its exit code.
     * Its standard error passes through too, less the JVM's notice that an incubator module is in use.
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
        builder.environment().put(RELAUNCHED, "1");
        Process child = builder.start();
        Thread errors = new Thread(() -> copyErrors(child), "flink-rnn stderr");
        errors.start();
        int exit = child.waitFor();
        errors.join();
        return exit;
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
