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
 * The engine's matrix product against the same loops in C, at two sizes: the register block alone (6
 * keys by one block of output columns over 128 inputs, small enough to stay in L1, so that only the
 * code the compiler emitted for the loop is timed), and one 24-key tile of the reference model's
 * second LSTM layer ({@code [24 x 192]·[192 x 384]}, weights from L2), walked as the engine walks
 * it. Each side's share of its own FMA peak (12 independent chains) says how much of the gap between
 * the whole model and the peak is the JIT's code and how much lies outside the product. C also runs
 * the tile with its weights where a Java array's data sits, 16 bytes past the object's start: a JVM
 * cannot align a float[] to a cache line, and 64-byte vector loads then span two lines. Java, in
 * turn, runs the tile with its weights copied to each 8-byte step of a cache line (where the array
 * itself sits is the JVM's choice, so the steps are relative): the best of them is the aligned one,
 * and its distance from C's aligned tile is what the JIT's code costs.
 */
@Command(
        name = "block",
        mixinStandardHelpOptions = true,
        description = "the engine's product, alone and on an LSTM tile, in Java and in C, against the FMA peak")
final class BlockCommand implements Callable<Integer> {

    private static final int KEYS = 6;
    private static final int INPUTS = 128;
    private static final int TILE_KEYS = 24;
    private static final int TILE_INPUTS = 192;
    private static final int TILE_COLUMNS = 384;
    /** FLOPs per timed window (a few milliseconds), as in bench/native/block.c. */
    private static final double WINDOW_FLOPS = 1e9;

    @Option(names = "--native", paramLabel = "PATH", description = "bench/native/block.c, compiled")
    Path nativeBlock;

    @Option(names = "--quick", description = "short timings")
    boolean quick;

    @Override
    public Integer call() throws Exception {
        Locale.setDefault(Locale.ROOT);
        Machine.header("block" + (quick ? " --quick" : ""));
        int columns = JavaKernel.blockColumns();
        double seconds = quick ? 1.0 : 3.0;
        // The products first: a JVM that compiled the peak's loop first ran Vector API code slower.
        double block = product(KEYS, INPUTS, columns, seconds);
        double tile = product(TILE_KEYS, TILE_INPUTS, TILE_COLUMNS, seconds);
        double[] placed = placements(seconds / 2);
        double peak = Peak.gflops(1, quick ? 600 : 2000);
        System.out.printf(
                "# block: %d keys x %d columns (%d vectors of %d floats) x %d inputs, data in L1; tile: [%d x %d]·[%d x %d];"
                        + " 1 thread; Java through JavaKernel.multiply, C as bench/native/block.c; GFLOP/s of the best"
                        + " of many short windows%n%n",
                KEYS,
                columns,
                columns / Math.max(1, JavaKernel.lanes()),
                JavaKernel.lanes(),
                INPUTS,
                TILE_KEYS,
                TILE_INPUTS,
                TILE_INPUTS,
                TILE_COLUMNS);
        System.out.println("| code | block GFLOP/s | % of peak | tile GFLOP/s | % of peak | FMA peak GFLOP/s |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: |");
        row("Java " + System.getProperty("java.version") + " (C2, Vector API)", block, tile, peak);
        if (placed.length > 0) {
            System.out.printf(
                    "| Java, tile weights at the best / worst of 8 placements in a cache line | | | %.1f / %.1f | %.0f%% / %.0f%% | %.1f |%n",
                    placed[0], placed[1], 100 * placed[0] / peak, 100 * placed[1] / peak, peak);
        }
        Map<String, Double> c = nativeBlock == null ? Map.of() : runNative();
        if (c.keySet().containsAll(java.util.List.of("block", "tile", "peak"))) {
            row("C (cc -O3 -march=native)", c.get("block"), c.get("tile"), c.get("peak"));
            if (c.containsKey("tile-java")) {
                System.out.printf(
                        "| C, tile weights 16 bytes past a cache line, as a Java float[]'s data | | | %.1f | %.0f%% | %.1f |%n",
                        c.get("tile-java"), 100 * c.get("tile-java") / c.get("peak"), c.get("peak"));
            }
            System.out.printf("%n# Java / C: block %.2f, tile %.2f%n", block / c.get("block"), tile / c.get("tile"));
        } else {
            System.out.println(
                    "\n# C: not run (no --native binary: bench/run-benchmarks.sh builds it where cc exists)");
        }
        Machine.footer();
        return 0;
    }

    /** GFLOP/s of {@code keys x inputs} times {@code inputs x columns} through the engine's kernel. */
    private static double product(int keys, int inputs, int columns, double seconds) {
        Matrix m = JavaKernel.INSTANCE.pack(random(inputs * columns, inputs), inputs, columns, 0, columns);
        gflops(keys, inputs, columns, m, seconds); // warm-up: C2 compiles the product
        return gflops(keys, inputs, columns, m, seconds);
    }

    /**
     * The tile's best and worst GFLOP/s over its weights placed at 8 steps of 8 bytes (a JVM aligns
     * objects to 8) within one cache line of a single array; none without the vectorized path.
     */
    private static double[] placements(double seconds) {
        if (JavaKernel.lanes() == 1) {
            return new double[0];
        }
        Matrix packed = JavaKernel.INSTANCE.pack(
                random(TILE_INPUTS * TILE_COLUMNS, TILE_INPUTS), TILE_INPUTS, TILE_COLUMNS, 0, TILE_COLUMNS);
        float[] into = new float[TILE_INPUTS * TILE_COLUMNS + 16];
        double best = 0;
        double worst = Double.MAX_VALUE;
        for (int at = 0; at < 16; at += 2) {
            double g = gflops(
                    TILE_KEYS, TILE_INPUTS, TILE_COLUMNS, JavaKernel.INSTANCE.withPanelsAt(packed, into, at), seconds);
            best = Math.max(best, g);
            worst = Math.min(worst, g);
        }
        return new double[] {best, worst};
    }

    private static double gflops(int keys, int inputs, int columns, Matrix m, double seconds) {
        float[] x = random(keys * inputs, keys);
        float[] out = new float[keys * columns];
        Runnable call = () -> JavaKernel.INSTANCE.multiply(keys, x, 0, inputs, m, out, 0, columns, false);
        double flops = 2.0 * keys * inputs * columns;
        return best(call, (int) Math.ceil(WINDOW_FLOPS / flops), seconds) * flops / 1e9;
    }

    private static float[] random(int size, long seed) {
        Random random = new Random(seed * 31L + size);
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = random.nextFloat() - 0.5f;
        }
        return values;
    }

    /**
     * Calls per second in the least disturbed of many short windows, as the C side and {@link Peak}
     * measure: on a shared machine the average would time the neighbours too.
     */
    private static double best(Runnable call, int window, double seconds) {
        double best = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        do {
            long start = System.nanoTime();
            for (int i = 0; i < window; i++) {
                call.run();
            }
            best = Math.max(best, window / ((System.nanoTime() - start) / 1e9));
        } while (System.nanoTime() < end);
        return best;
    }

    private static void row(String code, double block, double tile, double peak) {
        System.out.printf(
                "| %s | %.1f | %.0f%% | %.1f | %.0f%% | %.1f |%n",
                code, block, 100 * block / peak, tile, 100 * tile / peak, peak);
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
