package io.flinkrnn.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.FuzzMutations.Mutant;
import io.flinkrnn.model.spec.LayerSpec;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.model.spec.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutates the real Keras files of every fixture (.keras, .h5 of Keras 1, 2 and 3, JSON config +
 * weights) and loads each mutant. Every mutant either fails with one {@link ModelLoadException}
 * whose single line starts with the file's name, or loads to a model that still is the original
 * wherever the mutation could not have changed it; never another exception, an error, or a load
 * that outlasts the per-file timeout.
 *
 * <p>"Still the original" is decided per mutation ({@link FuzzMutations.Expect}): reordering or
 * compressing a .keras archive's entries changes nothing at all; a change to the bytes of a zip
 * entry is caught by its CRC-32, and a change to a JSON config cannot change weights, so the layer
 * classes and all weight tensors must equal the original's (the config itself may legitimately
 * become another model, e.g. {@code relu} is one bit away from {@code selu}); a change to HDF5
 * bytes may in addition alter the values of the one dataset whose header or data it hit, since
 * h5py's files carry no checksums and such a file is a valid model with other weights — but never
 * two tensors, never a shape; pointing a link at another object (a group or dataset) makes the
 * file name that object's weights instead, so all values may change, but no shape and no layer.
 * Hostile mutations (duplicate entries, nesting past the limit, too many layers) must fail.
 *
 * <p>{@code mvn verify} runs a fixed seed, so that a build's verdict does not depend on the draw;
 * {@code -Dfuzz.seed=S} runs another campaign ({@code -Dfuzz.seed=random} a fresh one), {@code
 * -Dfuzz.files=N} a larger one, and {@code -Dfuzz.timeoutMs} sets the per-file timeout. The seed
 * and the counts are printed.
 */
class LoaderFuzzTest {

    private static final long SEED = seed(System.getProperty("fuzz.seed", "20261130"));
    private static final int FILES = Integer.getInteger("fuzz.files", 30_000);
    private static final long TIMEOUT_MS = Long.getLong("fuzz.timeoutMs", 10_000);

    private static long seed(String property) {
        return property.equals("random") ? System.nanoTime() : Long.parseLong(property);
    }
    /** Files of these fixtures are truncated at every structure boundary, not only at random ones. */
    private static final List<String> EVERY_BOUNDARY = List.of(
            "keras1_gru", "keras2_lstm_last", "keras2_bidirectional_concat", "keras3_lstm_last", "keras3_rnn_cells");

    @TempDir
    Path tmp;

    @Test
    void everyMutantLoadsAsTheOriginalOrFailsWithOneLine() throws Exception {
        List<FuzzBase> bases = FuzzBase.all();
        List<Mutant> everyBoundary = new ArrayList<>();
        for (FuzzBase b : bases) {
            if (b.h5() != null && EVERY_BOUNDARY.stream().anyMatch(b.label()::startsWith)) {
                for (long cut : b.h5().boundaries()) {
                    everyBoundary.add(FuzzMutations.hdf5Mutant(
                            b, "truncated at structure boundary " + cut, FuzzMutations.truncate(b.hdf5(), cut)));
                }
            }
        }
        int files = Math.max(FILES, everyBoundary.size());
        System.out.printf(
                "LoaderFuzzTest seed=%d files=%d (%d truncations at every boundary of %s, %d random) bases=%d%n",
                SEED, files, everyBoundary.size(), EVERY_BOUNDARY, files - everyBoundary.size(), bases.size());

        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        Random r = new Random(SEED);
        ExecutorService loader = Executors.newSingleThreadExecutor(daemon());
        long start = System.nanoTime();
        try {
            for (int i = 0; i < files; i++) {
                // Random mutants are made one at a time: a long run must not hold them all.
                Mutant m = i < everyBoundary.size()
                        ? everyBoundary.get(i)
                        : FuzzMutations.mutate(bases.get(r.nextInt(bases.size())), r);
                String outcome;
                try {
                    outcome = check(m, i, loader);
                } catch (TimeoutException e) {
                    outcome = "hang (over " + TIMEOUT_MS + " ms)";
                    loader.shutdownNow();
                    loader = Executors.newSingleThreadExecutor(daemon());
                }
                outcomes.merge(outcome.startsWith("ok ") ? outcome : "FAILED", 1, Integer::sum);
                if (!outcome.startsWith("ok ")) {
                    failures.add("case " + i + " " + m.base().label() + ", " + m.what() + ": " + outcome);
                }
            }
        } finally {
            loader.shutdownNow();
        }
        System.out.printf(
                "LoaderFuzzTest seed=%d files=%d in %d ms: %s%n",
                SEED, files, (System.nanoTime() - start) / 1_000_000, outcomes);
        assertThat(failures)
                .as("seed " + SEED + ": rerun with -Dfuzz.seed=" + SEED + " -Dfuzz.files=" + FILES)
                .isEmpty();
        // A loader that refused everything would pass the above: harmless mutants must load.
        assertThat(outcomes).containsKeys("ok refused", "ok identical", "ok same weights");
    }

    // ---- one case ----

    private String check(Mutant m, int i, ExecutorService loader) throws Exception {
        Path main = tmp.resolve(i + "." + m.base().extension());
        Files.write(main, m.main());
        Path weights = null;
        if (m.weights() != null) {
            weights = tmp.resolve(i + ".weights.h5");
            Files.write(weights, m.weights());
        }
        Path w = weights;
        Future<Object> f = loader.submit(() -> {
            try {
                return w == null ? KerasModels.load(main) : KerasModels.load(main, w);
            } catch (Throwable t) {
                // OutOfMemoryError and StackOverflowError too: the verdict, not the test thread's death.
                return t;
            }
        });
        Object result;
        try {
            result = f.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } finally {
            Files.deleteIfExists(main);
            if (w != null) {
                Files.deleteIfExists(w);
            }
        }
        return verdict(m, main, w == null ? main.toString() : w.toString(), result);
    }

    private static String verdict(Mutant m, Path main, String weights, Object result) {
        if (result instanceof ModelLoadException e) {
            String msg = e.getMessage();
            // A JSON + weights pair is named by the config, or by the weights file when that is what is broken.
            if (msg.contains("\n") || !msg.startsWith(main.toString()) && !msg.startsWith(weights)) {
                return "message is not one line naming the file: " + msg;
            }
            if (m.mustName() != null && !msg.contains(m.mustName())) {
                return "refused without naming '" + m.mustName() + "': " + msg;
            }
            return "ok refused";
        }
        if (result instanceof Throwable t) {
            return "threw " + t + " at " + Arrays.toString(Arrays.copyOf(t.getStackTrace(), 4));
        }
        ModelSpec spec = (ModelSpec) result;
        ModelSpec orig = m.base().original();
        return switch (m.expect()) {
            case REFUSED -> "loaded, but must be refused";
            case IDENTICAL -> spec.layers().equals(orig.layers())
                            && spec.input().equals(orig.input())
                            && spec.batchSize().equals(orig.batchSize())
                    ? "ok identical"
                    : "loaded a different model";
            case SAME_WEIGHTS -> classes(spec).equals(classes(orig))
                            && FixtureLoadTest.tensors(spec).equals(FixtureLoadTest.tensors(orig))
                    ? "ok same weights"
                    : "loaded other layers or weights: " + classes(spec);
            case ONE_TENSOR_MAY_CHANGE -> tensorsDiffer(spec, orig, 1);
            case SHAPES_KEPT -> tensorsDiffer(spec, orig, Integer.MAX_VALUE);
        };
    }

    /** Same layers and weight shapes, at most {@code mayDiffer} weights with other values. */
    private static String tensorsDiffer(ModelSpec spec, ModelSpec orig, int mayDiffer) {
        List<Tensor> a = FixtureLoadTest.tensors(spec);
        List<Tensor> b = FixtureLoadTest.tensors(orig);
        if (!classes(spec).equals(classes(orig)) || a.size() != b.size()) {
            return "loaded other layers: " + classes(spec);
        }
        int differ = 0;
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i).shape(), b.get(i).shape())) {
                return "tensor " + i + " has shape " + a.get(i) + ", the original " + b.get(i);
            }
            differ += a.get(i).equals(b.get(i)) ? 0 : 1;
        }
        return differ == 0
                ? "ok same weights"
                : differ <= mayDiffer ? "ok other values, same shapes" : differ + " tensors differ";
    }

    private static List<String> classes(ModelSpec spec) {
        return spec.layers().stream().map(LayerSpec::className).toList();
    }

    private static java.util.concurrent.ThreadFactory daemon() {
        return r -> {
            Thread t = new Thread(r, "fuzz-load");
            t.setDaemon(true);
            return t;
        };
    }
}
