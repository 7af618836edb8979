package io.flinkrnn.bench;

import io.flinkrnn.engine.ops.JavaKernel;
import io.flinkrnn.engine.ops.Kernel;
import io.flinkrnn.kernel.nd4j.Nd4jKernel;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Kernel efficiency: one LSTM step (input width = units, so the multiply is {@code [B x 2u]·[2u x
 * 4u]}, the reference model's {@code [B x 192]·[192 x 384]} at u = 96) for each kernel, against the machine's
 * peak FMA rate measured in the same run, with ND4J's bare SGEMM on the same shape beside it.
 */
@Command(name = "kernel", mixinStandardHelpOptions = true, description = "kernel GFLOP/s vs peak FMA")
final class KernelCommand implements Callable<Integer> {

    @Option(names = "--quick", description = "short timings")
    boolean quick;

    @Option(names = "--out", defaultValue = "bench/results", description = "where CSV and PNG go")
    Path out;

    @Option(
            names = "--baseline",
            paramLabel = "CLASSPATH",
            description = "an older build's engine and model-io jars (path-separated): also time its"
                    + " vectorized kernel beside this build's, turn by turn in this JVM")
    String baselineClasspath;

    @Option(
            names = "--baseline-label",
            description = "what to call the baseline in the output (default: its classpath)")
    String baselineLabel;

    @Option(
            names = "--baseline-jvms",
            defaultValue = "3",
            description = "fresh JVMs the baseline comparison runs in, one after the other; each shape's"
                    + " ratio is the median over them (default: ${DEFAULT-VALUE})")
    int baselineJvms;

    /** Set in the JVMs {@link #againstBaseline} starts: time the pairs, print them, stop. */
    @Option(names = "--baseline-pairs-only", hidden = true)
    boolean pairsOnly;

    private static final int[] UNITS = {32, 64, 128, 256};
    private static final int[] BATCHES = {1, 16, 128, 1024};

    @Override
    public Integer call() throws Exception {
        Locale.setDefault(Locale.ROOT);
        if (pairsOnly) {
            timePairs(new IsolatedBuild(baselineClasspath));
            return 0;
        }
        Machine.header("kernel" + (quick ? " --quick" : ""));
        double warm = quick ? 0.2 : 0.5;
        double time = quick ? 0.4 : 1.5;
        if (baselineClasspath != null) {
            againstBaseline();
            System.out.println();
            System.out.println("### Every kernel against the FMA peak");
            System.out.println();
        }
        // C2 compiles the cells' activation loops after a second or two of calls, later than the
        // matrix product's; without this the first rows would time their C1 code.
        for (Kernel kernel : List.of(JavaKernel.INSTANCE, JavaKernel.SCALAR)) {
            gflops(kernel, 64, 16, 1, quick ? 1.0 : 3.0, 0.1);
        }
        Nd4jKernel nd4j = new Nd4jKernel();
        List<double[]> rows = new ArrayList<>();
        for (int u : UNITS) {
            for (int b : BATCHES) {
                double flops = 2.0 * b * (2.0 * u) * (4.0 * u);
                double vector = JavaKernel.INSTANCE.vectorized()
                        ? gflops(JavaKernel.INSTANCE, u, b, flops, warm, time)
                        : Double.NaN;
                double scalar = gflops(JavaKernel.SCALAR, u, b, flops, warm, time);
                double nd = gflops(nd4j, u, b, flops, warm, time);
                double gemm = sgemm(u, b, flops, warm, time);
                rows.add(new double[] {u, b, vector, scalar, nd, gemm});
            }
        }
        // The peak's FMA loop runs after the kernels: compiled first, it left the kernel's Vector API
        // calls 30-60% slower for the rest of the JVM (a TaskManager runs no such loop).
        int cores = Runtime.getRuntime().availableProcessors();
        double peak1 = Peak.gflops(1, quick ? 600 : 2000);
        double peakAll = Peak.gflops(cores, quick ? 600 : 2000);
        System.out.printf(
                "# peak fp32 FMA (Vector API, %d lanes): %.1f GFLOP/s on 1 core, %.1f on %d cores (measured after the kernels)%n",
                Peak.lanes(), peak1, peakAll, cores);
        System.out.println("# engine kernels run on 1 thread (% of the 1-core peak); ND4J uses its own thread pool ("
                + cores + " cores)");
        System.out.println("# FLOPs per step = 2 * B * 2u * 4u (gate activations not counted)");
        System.out.println();
        System.out.println(
                "| units | batch | vectorized GFLOP/s | % peak | scalar GFLOP/s | % peak | ND4J kernel GFLOP/s | ND4J SGEMM GFLOP/s | fastest |");
        System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        List<String> csv = new ArrayList<>();
        csv.add("units,batch,vector_gflops,scalar_gflops,nd4j_kernel_gflops,nd4j_sgemm_gflops,peak1_gflops");
        Plot plot = new Plot(
                "LSTM step GFLOP/s by batch (1 thread; peak " + String.format("%.0f", peak1) + " GFLOP/s)",
                "batch (keys per step)",
                "GFLOP/s",
                true,
                true);
        // units -> the first batch at which ND4J beat the fastest Java path
        Map<Integer, Integer> crossover = new LinkedHashMap<>();
        for (double[] row : rows) {
            int u = (int) row[0];
            int b = (int) row[1];
            double vector = row[2];
            double scalar = row[3];
            double nd = row[4];
            double gemm = row[5];
            double best = Math.max(Double.isNaN(vector) ? 0 : vector, scalar);
            String fastest = nd > best ? "ND4J" : (best == scalar ? "scalar" : "vectorized");
            if (nd > best) {
                crossover.putIfAbsent(u, b);
            }
            System.out.printf(
                    "| %d | %d | %.1f | %.0f%% | %.1f | %.0f%% | %.1f | %.1f | %s |%n",
                    u, b, vector, 100 * vector / peak1, scalar, 100 * scalar / peak1, nd, gemm, fastest);
            csv.add(String.format("%d,%d,%.2f,%.2f,%.2f,%.2f,%.2f", u, b, vector, scalar, nd, gemm, peak1));
            plot.point("vectorized u=" + u, b, vector);
            plot.point("ND4J SGEMM u=" + u, b, gemm).dashed("ND4J SGEMM u=" + u);
        }
        List<String> crossovers = new ArrayList<>();
        for (int u : UNITS) {
            crossovers.add("units " + u + ": "
                    + (crossover.containsKey(u)
                            ? "ND4J faster from batch " + crossover.get(u)
                            : "ND4J never faster up to batch 1024"));
        }
        System.out.println();
        System.out.println("# crossover (ND4J kernel vs the fastest Java path): " + String.join("; ", crossovers));
        Files.createDirectories(out);
        Files.write(out.resolve("kernel.csv"), csv);
        plot.write(out.resolve("kernel.png"));
        Machine.footer();
        return 0;
    }

    private static double gflops(Kernel kernel, int u, int b, double flops, double warm, double time) throws Exception {
        LstmStepTimer timer = new LstmStepTimer(u, b, kernel);
        double eventsPerSecond = Rate.eventsPerSecond(timer::step, b, warm, time);
        return eventsPerSecond / b * flops / 1e9;
    }

    /**
     * This build's vectorized kernel beside the baseline's ({@link #timePairs}) in {@link
     * #baselineJvms} fresh JVMs, one after the other; per shape, the median over the JVMs of each
     * one's ratio. One JVM is not enough: at batch 1 the same build measured 0.63 and 1.59 of the
     * baseline in two JVMs, as C2 happened to compile the step loop one way or the other.
     */
    private void againstBaseline() throws Exception {
        System.out.println("### This build against the baseline ("
                + (baselineLabel != null ? baselineLabel : baselineClasspath) + "), turn by turn in "
                + baselineJvms + " fresh JVMs");
        System.out.println();
        System.out.printf(
                "# vectorized kernel, 1 thread, both builds loaded fresh in class loaders of their own in each JVM; each shape: %.1f s warm-up each, then %d turns of %.2f s of CPU time each, in alternating order; per JVM the medians' ratio; below, the medians over the JVMs%n",
                PAIR_WARM, pairRounds(), pairRound());
        Map<String, List<double[]>> byShape = new LinkedHashMap<>();
        for (int jvm = 0; jvm < baselineJvms; jvm++) {
            for (String line : pairsInFreshJvm()) {
                String[] f = line.split(" ");
                byShape.computeIfAbsent(f[1] + " " + f[2], k -> new ArrayList<>())
                        .add(new double[] {Double.parseDouble(f[3]), Double.parseDouble(f[4])});
            }
        }
        System.out.println();
        System.out.println("| units | batch | this build GFLOP/s | baseline GFLOP/s | this / baseline | per JVM |");
        System.out.println("| ---: | ---: | ---: | ---: | ---: | --- |");
        double worst = Double.MAX_VALUE;
        String worstShape = "";
        for (Map.Entry<String, List<double[]>> shape : byShape.entrySet()) {
            List<double[]> pairs = shape.getValue();
            double[] ratios = pairs.stream().mapToDouble(p -> p[0] / p[1]).toArray();
            double ratio = median(ratios);
            String[] ub = shape.getKey().split(" ");
            if (ratio < worst) {
                worst = ratio;
                worstShape = "units " + ub[0] + ", batch " + ub[1];
            }
            System.out.printf(
                    "| %s | %s | %.1f | %.1f | %.2f | %s |%n",
                    ub[0],
                    ub[1],
                    median(pairs.stream().mapToDouble(p -> p[0]).toArray()),
                    median(pairs.stream().mapToDouble(p -> p[1]).toArray()),
                    ratio,
                    java.util.Arrays.stream(ratios)
                            .mapToObj(r -> String.format("%.2f", r))
                            .collect(java.util.stream.Collectors.joining(" ")));
        }
        System.out.printf("%n# lowest ratio: %.2f (%s)%n", worst, worstShape);
    }

    private static final double PAIR_WARM = 2.0;

    private int pairRounds() {
        return quick ? 4 : 6;
    }

    private double pairRound() {
        return quick ? 0.2 : 0.4;
    }

    /** Runs {@link #timePairs} in a new JVM with this one's flags and returns its result lines. */
    private List<String> pairsInFreshJvm() throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), BenchCli.class.getName()));
        command.addAll(List.of("kernel", "--baseline", baselineClasspath, "--baseline-pairs-only"));
        if (quick) {
            command.add("--quick");
        }
        Process child = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        List<String> lines;
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream()))) {
            lines = out.lines().filter(l -> l.startsWith("pair ")).toList();
        }
        if (!child.waitFor(10, TimeUnit.MINUTES) || child.exitValue() != 0 || lines.isEmpty()) {
            child.destroyForcibly();
            throw new IllegalStateException("the baseline comparison's JVM failed: " + String.join(" ", command));
        }
        return lines;
    }

    /**
     * Both builds' vectorized kernels, each in a class loader of its own ({@link IsolatedBuild}), in
     * turns of equal CPU time after each has warmed up, per shape; prints {@code pair units batch
     * ours baseline} with each one's median GFLOP/s. Before anything else has run in the JVM: after
     * the peak table, a fresh copy of this build measured up to 25% slower than in a JVM of its own.
     */
    private void timePairs(IsolatedBuild baseline) throws Exception {
        IsolatedBuild thisBuild = IsolatedBuild.thisBuild();
        int rounds = pairRounds();
        double round = pairRound();
        for (int u : UNITS) {
            for (int b : BATCHES) {
                IsolatedBuild.Timer ours = thisBuild.timer(u, b);
                IsolatedBuild.Timer theirs = baseline.timer(u, b);
                // The warm-up is not shortened by --quick: C2 compiles the activation loops only
                // after a second or two of steps, and a turn timed before that compares C1 code.
                ours.gflops(PAIR_WARM);
                theirs.gflops(PAIR_WARM);
                double[] mine = new double[rounds];
                double[] base = new double[rounds];
                // Turn order alternates: in one JVM, whichever runs first in a pair measured up to
                // 20% faster than the other with both the same build.
                for (int r = 0; r < rounds; r++) {
                    if (r % 2 == 0) {
                        mine[r] = ours.gflops(round);
                        base[r] = theirs.gflops(round);
                    } else {
                        base[r] = theirs.gflops(round);
                        mine[r] = ours.gflops(round);
                    }
                }
                System.out.printf("pair %d %d %.3f %.3f%n", u, b, median(mine), median(base));
            }
        }
    }

    /** The middle value; of an even count, the mean of the two middle values. */
    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int half = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
    }

    private static double sgemm(int u, int b, double flops, double warm, double time) throws Exception {
        INDArray x = Nd4j.rand(DataType.FLOAT, b, 2 * u);
        INDArray w = Nd4j.rand(DataType.FLOAT, 2 * u, 4 * u);
        INDArray c = Nd4j.create(DataType.FLOAT, b, 4 * u);
        double callsPerSecond = Rate.eventsPerSecond(() -> Nd4j.gemm(x, w, c, false, false, 1.0, 0.0), 1, warm, time);
        return callsPerSecond * flops / 1e9;
    }
}
