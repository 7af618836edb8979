package io.flinkrnn.bench;

import io.flinkrnn.engine.ops.JavaKernel;
import io.flinkrnn.engine.ops.Matrix;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The engine's register block alone, against the same loop in C: one product of 6 keys by one
 * block of output columns over 64 inputs, small enough that its inputs, weights and outputs stay in
 * L1, so that only the code the compiler emitted for the loop is timed. Each side's share of its own
 * FMA peak (12 independent chains) says how much of the gap between the whole model and the peak is
 * the JIT's code for this loop and how much lies outside it (activations, copies, caches).
 */
@Command(
        name = "block",
        mixinStandardHelpOptions = true,
        description = "the register block alone, in Java and in C, against each one's FMA peak")
final class BlockCommand implements Callable<Integer> {

    private static final int KEYS = 6;
    private static final int INPUTS = 128;
    /** Calls per timed window, a few milliseconds. */
    private static final int WINDOW = 5_000;

    @Option(names = "--native", paramLabel = "PATH", description = "bench/native/block.c, compiled")
    Path nativeBlock;

    @Option(names = "--quick", description = "short timings")
    boolean quick;

    @Override
    public Integer call() throws Exception {
        Locale.setDefault(Locale.ROOT);
        Machine.header("block" + (quick ? " --quick" : ""));
        int columns = JavaKernel.blockColumns();
        Random random = new Random(6);
        float[] w = new float[INPUTS * columns];
        float[] x = new float[KEYS * INPUTS];
        for (int i = 0; i < w.length; i++) {
            w[i] = random.nextFloat() - 0.5f;
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat() - 0.5f;
        }
        Matrix m = JavaKernel.INSTANCE.pack(w, INPUTS, columns, 0, columns);
        float[] out = new float[KEYS * columns];
        double flops = 2.0 * KEYS * columns * INPUTS;
        // The block first: a JVM that compiled the peak's loop first ran Vector API code slower.
        Runnable call = () -> JavaKernel.INSTANCE.multiply(KEYS, x, 0, INPUTS, m, out, 0, columns, false);
        best(call, quick ? 1.0 : 3.0); // warm-up: C2 compiles the block
        double block = best(call, quick ? 1.0 : 3.0) * flops / 1e9;
        double peak = Peak.gflops(1, quick ? 600 : 2000);
        System.out.printf(
                "# %d keys x %d columns (%d vectors of %d floats) x %d inputs, data in L1, 1 thread; Java through"
                        + " JavaKernel.multiply (its dispatch included), C as bench/native/block.c%n%n",
                KEYS, columns, columns / Math.max(1, JavaKernel.lanes()), JavaKernel.lanes(), INPUTS);
        System.out.println("| code | block GFLOP/s | FMA peak GFLOP/s | block / peak |");
        System.out.println("| --- | ---: | ---: | ---: |");
        row("Java " + System.getProperty("java.version") + " (C2, Vector API)", block, peak);
        Map<String, Double> c = nativeBlock == null ? Map.of() : runNative();
        if (c.containsKey("block") && c.containsKey("peak")) {
            row("C (cc -O3 -march=native)", c.get("block"), c.get("peak"));
            System.out.printf(
                    "%n# Java's block / C's block: %.2f; share of peak, Java / C: %.2f%n",
                    block / c.get("block"), (block / peak) / (c.get("block") / c.get("peak")));
        } else {
            System.out.println(
                    "\n# C: not run (no --native binary: bench/run-benchmarks.sh builds it where cc exists)");
        }
        Machine.footer();
        return 0;
    }

    /**
     * Calls per second in the least disturbed of many short windows, as the C side and {@link Peak}
     * measure: on a shared machine the average would time the neighbours too.
     */
    private static double best(Runnable call, double seconds) {
        double best = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        do {
            long start = System.nanoTime();
            for (int i = 0; i < WINDOW; i++) {
                call.run();
            }
            best = Math.max(best, WINDOW / ((System.nanoTime() - start) / 1e9));
        } while (System.nanoTime() < end);
        return best;
    }

    private static void row(String code, double block, double peak) {
        System.out.printf("| %s | %.1f | %.1f | %.0f%% |%n", code, block, peak, 100 * block / peak);
    }

    private Map<String, Double> runNative() throws Exception {
        Process p = new ProcessBuilder(nativeBlock.toString())
                .redirectErrorStream(true)
                .start();
        Map<String, Double> values = new HashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 2) {
                    values.put(f[0], Double.parseDouble(f[1]));
                }
            }
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(nativeBlock + " did not finish in 60 s");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(nativeBlock + " exited with " + p.exitValue());
        }
        return values;
    }
}
