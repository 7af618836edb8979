package io.flinkrnn.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.spec.LayerSpec;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.model.spec.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
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
 * <p>"Still the original" is decided per mutation ({@link Expect}): reordering or compressing a
 * .keras archive's entries changes nothing at all; a change to the bytes of a zip entry is caught
 * by its CRC-32, and a change to a JSON config cannot change weights, so the layer classes and all
 * weight tensors must equal the original's (the config itself may legitimately become another
 * model, e.g. {@code relu} is one bit away from {@code selu}); a change to HDF5 bytes may in
 * addition alter the values of the one dataset whose header or data it hit, since h5py's files carry
 * no checksums and such a file is a valid model with other weights — but never two tensors, never a
 * shape; pointing a link at another object (a group or dataset) makes the file name that object's
 * weights instead, so all values may change, but no shape and no layer. Hostile mutations
 * (duplicate entries, nesting past the limit, too many layers) must fail.
 *
 * <p>Run with {@code -Dfuzz.files=N} for more files and {@code -Dfuzz.seed=S} to repeat a run;
 * {@code -Dfuzz.timeoutMs} sets the per-file timeout. The seed and the counts are printed.
 */
class LoaderFuzzTest {

    private static final long SEED = Long.getLong("fuzz.seed", System.nanoTime());
    private static final int FILES = Integer.getInteger("fuzz.files", 10_000);
    private static final long TIMEOUT_MS = Long.getLong("fuzz.timeoutMs", 10_000);
    /** Files of these fixtures are truncated at every structure boundary, not only at random ones. */
    private static final List<String> EVERY_BOUNDARY = List.of("keras1_gru", "keras2_lstm_last", "keras3_lstm_last");

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    enum Kind {
        KERAS,
        H5,
        JSON_WEIGHTS
    }

    /** What a mutant must do; see the class comment. */
    enum Expect {
        IDENTICAL,
        SAME_WEIGHTS,
        ONE_TENSOR_MAY_CHANGE,
        SHAPES_KEPT,
        REFUSED
    }

    /** One real file (or JSON + weights pair) and what it loads to. */
    record Base(String label, Kind kind, byte[] main, byte[] weights, H5Structure h5, ModelSpec original) {}

    record Mutant(Base base, String what, byte[] main, byte[] weights, Expect expect, String mustName) {}

    @Test
    void everyMutantLoadsAsTheOriginalOrFailsWithOneLine() throws Exception {
        List<Base> bases = bases();
        List<Mutant> everyBoundary = new ArrayList<>();
        for (Base b : bases) {
            if (b.h5() != null && EVERY_BOUNDARY.stream().anyMatch(b.label()::startsWith)) {
                for (long cut : b.h5().boundaries()) {
                    everyBoundary.add(hdf5Mutant(b, "truncated at structure boundary " + cut, truncate(h5Of(b), cut)));
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
                Mutant m =
                        i < everyBoundary.size() ? everyBoundary.get(i) : mutate(bases.get(r.nextInt(bases.size())), r);
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
        Path main = tmp.resolve(i + "." + extension(m.base().kind()));
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

    // ---- mutations ----

    private Mutant mutate(Base b, Random r) {
        return switch (b.kind()) {
            case KERAS -> switch (r.nextInt(7)) {
                case 0 -> {
                    byte[] out = b.main().clone();
                    int at = flipBits(out, r);
                    yield new Mutant(b, "archive bits flipped at " + at, out, null, Expect.SAME_WEIGHTS, null);
                }
                case 1 -> {
                    int cut = r.nextInt(b.main().length);
                    yield new Mutant(
                            b, "archive truncated at " + cut, truncate(b.main(), cut), null, Expect.REFUSED, null);
                }
                case 2 -> reordered(b, r);
                case 3 -> duplicated(b, r);
                case 4 -> {
                    List<ZipBytes.Entry> entries = entries(b);
                    entries.replaceAll(e -> new ZipBytes.Entry(e.name(), e.data(), true, ZipBytes.REGULAR));
                    byte[] deflated = ZipBytes.write(entries);
                    if (r.nextBoolean()) {
                        yield new Mutant(b, "entries deflated", deflated, null, Expect.IDENTICAL, null);
                    }
                    int at = flipBits(deflated, r);
                    yield new Mutant(
                            b, "entries deflated, bits flipped at " + at, deflated, null, Expect.SAME_WEIGHTS, null);
                }
                case 5 -> {
                    Mutant json = jsonMutant(b, entry(b, KerasArchive.CONFIG), r);
                    yield repacked(b, KerasArchive.CONFIG, json);
                }
                default -> hdf5Mutant(b, r);
            };
            case H5 -> r.nextInt(4) == 0 ? inPlaceConfig(b, r) : hdf5Mutant(b, r);
            case JSON_WEIGHTS -> r.nextBoolean() ? jsonMutant(b, b.main(), r) : hdf5Mutant(b, r);
        };
    }

    private Mutant hdf5Mutant(Base b, Random r) {
        byte[] h5 = h5Of(b);
        H5Structure s = b.h5();
        switch (r.nextInt(6)) {
            case 0 -> {
                long cut = s.boundaries().get(r.nextInt(s.boundaries().size()));
                return hdf5Mutant(b, "truncated at structure boundary " + cut, truncate(h5, cut));
            }
            case 1 -> {
                if (!s.dimFields().isEmpty()) {
                    int at = s.dimFields().get(r.nextInt(s.dimFields().size()));
                    long v = hugeOr(
                            r,
                            ByteBuffer.wrap(h5).order(ByteOrder.LITTLE_ENDIAN).getLong(at));
                    return hdf5Mutant(b, "dataset dimension at " + at + " set to " + v, putLong(h5, at, v, 8));
                }
            }
            case 2 -> {
                if (!s.stringLengthFields().isEmpty()) {
                    int at = s.stringLengthFields()
                            .get(r.nextInt(s.stringLengthFields().size()));
                    long v = hugeOr(
                            r,
                            ByteBuffer.wrap(h5).order(ByteOrder.LITTLE_ENDIAN).getInt(at));
                    return hdf5Mutant(b, "string length at " + at + " set to " + v, putLong(h5, at, v, 4));
                }
            }
            case 3 -> {
                if (!s.floatTypes().isEmpty()) {
                    return wrongDtype(
                            b, h5, s.floatTypes().get(r.nextInt(s.floatTypes().size())), r);
                }
            }
            case 4 -> {
                // Every pointer to one structure now points to another: aliases, cycles.
                List<Long> objects = s.pointerTargets();
                long from = objects.get(r.nextInt(objects.size()));
                long to = objects.get(r.nextInt(objects.size()));
                if (from != to) {
                    Mutant m = hdf5Mutant(b, "pointers to " + from + " redirected to " + to, redirect(h5, from, to));
                    return new Mutant(b, m.what(), m.main(), m.weights(), Expect.SHAPES_KEPT, null);
                }
            }
            default -> {}
        }
        byte[] out = h5.clone();
        int at = flipBits(out, r);
        return hdf5Mutant(b, "bits flipped at " + at, out);
    }

    /** A float datatype turned into an integer or string type, resized, or flipped to big-endian. */
    private Mutant wrongDtype(Base b, byte[] h5, int at, Random r) {
        byte[] out = h5.clone();
        String what;
        switch (r.nextInt(4)) {
            case 0 -> {
                out[at] = 0x10;
                what = "integer";
            }
            case 1 -> {
                out[at] = 0x13;
                what = "string";
            }
            case 2 -> {
                int size = new int[] {1, 2, 3, 8, 16, 0xffff}[r.nextInt(6)];
                putLongInPlace(out, at + 4, size, 4);
                what = size + "-byte float";
            }
            default -> {
                out[at + 1] ^= 1;
                what = "byte order flipped";
            }
        }
        return hdf5Mutant(b, "float datatype at " + at + " made " + what, out);
    }

    private static long hugeOr(Random r, long current) {
        // Mid-sized values pass int arithmetic and reach allocation; the huge ones test overflow.
        long[] values = {
            1 << 20,
            1 << 24,
            100_000_000,
            Integer.MAX_VALUE,
            1L << 32,
            1L << 40,
            Long.MAX_VALUE,
            -1,
            0,
            current + 1,
            current * 1000
        };
        return values[r.nextInt(values.length)];
    }

    /** The mutated HDF5 bytes in the base's format: a .keras archive's weights entry, the .h5, the weights of a pair. */
    private Mutant hdf5Mutant(Base b, String what, byte[] h5) {
        Expect e = Expect.ONE_TENSOR_MAY_CHANGE;
        return switch (b.kind()) {
            case KERAS -> repacked(b, KerasArchive.WEIGHTS, new Mutant(b, what, h5, null, e, null));
            case H5 -> new Mutant(b, what, h5, null, e, null);
            case JSON_WEIGHTS -> new Mutant(b, "weights " + what, b.main(), h5, e, null);
        };
    }

    /** Flips one to three bits of one random byte, in place; returns its offset. */
    private static int flipBits(byte[] bytes, Random r) {
        int at = r.nextInt(bytes.length);
        int bits = 1 + r.nextInt(3);
        for (int i = 0; i < bits; i++) {
            bytes[at] ^= (byte) (1 << r.nextInt(8));
        }
        return at;
    }

    /** JSON mutations of a config's text; {@link #repacked} or the caller places the result. */
    private Mutant jsonMutant(Base b, byte[] json, Random r) {
        String what;
        byte[] out;
        Expect expect = Expect.SAME_WEIGHTS;
        String mustName = null;
        JsonNode tree = readTree(json);
        switch (r.nextInt(6)) {
            case 0 -> {
                out = json.clone();
                int at = r.nextInt(out.length);
                out[at] ^= (byte) (1 << r.nextInt(8));
                what = "config bit flipped at " + at;
            }
            case 1 -> {
                int cut = r.nextInt(json.length);
                out = truncate(json, cut);
                what = "config truncated at " + cut;
            }
            case 2 -> {
                int depth = LoadLimits.DEFAULTS.maxJsonDepth() + 1 + r.nextInt(5_000);
                // Written as text: Jackson's own writer refuses to nest this deep.
                randomObject(tree, r).put("fuzz", "NESTING");
                out = new String(bytes(tree), StandardCharsets.UTF_8)
                        .replace("\"NESTING\"", "[".repeat(depth) + "]".repeat(depth))
                        .getBytes(StandardCharsets.UTF_8);
                what = "config nested " + depth + " deep";
                expect = Expect.REFUSED;
                mustName = "maxJsonDepth";
            }
            case 3 -> {
                List<ObjectNode> layers = layerConfigs(tree);
                ObjectNode target = layers.get(r.nextInt(layers.size()));
                List<String> fields = new ArrayList<>();
                target.fieldNames().forEachRemaining(fields::add);
                String field = fields.get(r.nextInt(fields.size()));
                JsonNode value = oddValue(r);
                target.set(field, value);
                out = bytes(tree);
                what = "config field '" + field + "' of " + target.path("name") + " set to " + value;
            }
            case 4 -> {
                ArrayNode list = layerList(tree);
                if (list == null) {
                    return jsonMutant(b, json, new Random(r.nextLong()));
                }
                while (list.size() <= LoadLimits.DEFAULTS.maxLayers()) {
                    list.add(list.get(list.size() - 1).deepCopy());
                }
                out = bytes(tree);
                what = "config with " + list.size() + " layers";
                expect = Expect.REFUSED;
                mustName = "maxLayers";
            }
            default -> {
                ArrayNode shape = batchShape(tree);
                if (shape == null) {
                    return jsonMutant(b, json, new Random(r.nextLong()));
                }
                int axis = r.nextInt(shape.size());
                long v = hugeOr(r, shape.get(axis).asLong(1));
                shape.set(axis, JsonNodeFactory.instance.numberNode(v));
                out = bytes(tree);
                what = "input batch_shape axis " + axis + " set to " + v;
            }
        }
        return b.kind() == Kind.JSON_WEIGHTS
                ? new Mutant(b, what, out, b.weights(), expect, mustName)
                : new Mutant(b, what, out, null, expect, mustName);
    }

    /** A full .h5's model_config attribute rewritten in place: same length, so HDF5 stays intact. */
    private Mutant inPlaceConfig(Base b, Random r) {
        byte[] out = b.main().clone();
        int[] span = H5Config.span(out);
        if (r.nextBoolean()) {
            int at = span[0] + r.nextInt(span[1]);
            out[at] ^= (byte) (1 << r.nextInt(8));
            return new Mutant(b, "model_config bit flipped at " + at, out, null, Expect.SAME_WEIGHTS, null);
        }
        int depth = Math.min(span[1], LoadLimits.DEFAULTS.maxJsonDepth() + 1 + r.nextInt(2_000));
        Arrays.fill(out, span[0], span[0] + depth, (byte) '[');
        return new Mutant(b, "model_config nested " + depth + " deep", out, null, Expect.REFUSED, "maxJsonDepth");
    }

    private Mutant reordered(Base b, Random r) {
        List<ZipBytes.Entry> entries = entries(b);
        List<ZipBytes.Entry> shuffled = new ArrayList<>(entries);
        while (shuffled.equals(entries)) {
            Collections.shuffle(shuffled, r);
        }
        return new Mutant(
                b,
                "entries reordered "
                        + shuffled.stream().map(ZipBytes.Entry::name).toList(),
                ZipBytes.write(shuffled),
                null,
                Expect.IDENTICAL,
                null);
    }

    private Mutant duplicated(Base b, Random r) {
        List<ZipBytes.Entry> entries = entries(b);
        ZipBytes.Entry dup = entries.get(r.nextInt(entries.size()));
        entries.add(r.nextInt(entries.size() + 1), dup);
        return new Mutant(
                b, "entry " + dup.name() + " duplicated", ZipBytes.write(entries), null, Expect.REFUSED, dup.name());
    }

    /** An archive whose one entry is replaced by a mutant's bytes, with a matching CRC. */
    private Mutant repacked(Base b, String name, Mutant inner) {
        List<ZipBytes.Entry> entries = entries(b);
        entries.replaceAll(e -> e.name().equals(name) ? new ZipBytes.Entry(name, inner.main()) : e);
        return new Mutant(
                b, name + ": " + inner.what(), ZipBytes.write(entries), null, inner.expect(), inner.mustName());
    }

    // ---- bases ----

    private static List<Base> bases() throws IOException {
        List<Base> out = new ArrayList<>();
        for (Fixture f : Fixture.all()) {
            if (f.file("keras").isPresent()) {
                byte[] archive = Files.readAllBytes(f.file("keras").get());
                Base b = new Base(
                        f.name() + " .keras",
                        Kind.KERAS,
                        archive,
                        null,
                        null,
                        KerasModels.load(f.file("keras").get()));
                out.add(new Base(
                        b.label(),
                        b.kind(),
                        archive,
                        null,
                        H5Structure.of(entry(b, KerasArchive.WEIGHTS)),
                        b.original()));
            }
            if (f.file("h5").isPresent()) {
                byte[] h5 = Files.readAllBytes(f.file("h5").get());
                out.add(new Base(
                        f.name() + " .h5",
                        Kind.H5,
                        h5,
                        null,
                        H5Structure.of(h5),
                        KerasModels.load(f.file("h5").get())));
            }
            if (f.file("json").isPresent() && f.file("weights").isPresent()) {
                byte[] weights = Files.readAllBytes(f.file("weights").get());
                out.add(new Base(
                        f.name() + " json+weights",
                        Kind.JSON_WEIGHTS,
                        Files.readAllBytes(f.file("json").get()),
                        weights,
                        H5Structure.of(weights),
                        KerasModels.load(f.file("json").get(), f.file("weights").get())));
            }
        }
        return out;
    }

    private static byte[] h5Of(Base b) {
        return switch (b.kind()) {
            case KERAS -> entry(b, KerasArchive.WEIGHTS);
            case H5 -> b.main();
            case JSON_WEIGHTS -> b.weights();
        };
    }

    private static List<ZipBytes.Entry> entries(Base b) {
        try {
            Path p = Files.createTempFile("fuzz-base", ".zip");
            try {
                Files.write(p, b.main());
                return new ArrayList<>(ZipBytes.entriesOf(p));
            } finally {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] entry(Base b, String name) {
        return entries(b).stream()
                .filter(e -> e.name().equals(name))
                .findFirst()
                .orElseThrow()
                .data();
    }

    // ---- JSON helpers ----

    private static JsonNode readTree(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(JsonNode tree) {
        try {
            return JSON.writeValueAsBytes(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode oddValue(Random r) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        JsonNode[] values = {
            f.numberNode(Integer.MAX_VALUE),
            f.numberNode(-1),
            f.numberNode(0),
            f.numberNode(1e300),
            f.numberNode(6.5),
            f.numberNode(1L << 53),
            f.textNode("6"),
            f.booleanNode(true),
            f.nullNode(),
            f.arrayNode().add(6),
            f.objectNode().put("class_name", "Lambda"),
            f.textNode("x".repeat(100_000))
        };
        return values[r.nextInt(values.length)];
    }

    private static ObjectNode randomObject(JsonNode tree, Random r) {
        List<ObjectNode> all = new ArrayList<>();
        collectObjects(tree, all);
        return all.get(r.nextInt(all.size()));
    }

    private static void collectObjects(JsonNode n, List<ObjectNode> into) {
        if (n instanceof ObjectNode o) {
            into.add(o);
        }
        n.forEach(child -> collectObjects(child, into));
    }

    /** Every object that sits under a {@code config} key, the configs of layers, cells and the model. */
    private static List<ObjectNode> layerConfigs(JsonNode tree) {
        List<ObjectNode> all = new ArrayList<>();
        collectConfigs(tree, all);
        return all;
    }

    private static void collectConfigs(JsonNode n, List<ObjectNode> into) {
        if (n.isObject() && n.get("config") instanceof ObjectNode c && !c.isEmpty()) {
            into.add(c);
        }
        n.forEach(child -> collectConfigs(child, into));
    }

    private static ArrayNode layerList(JsonNode tree) {
        JsonNode config = tree.path("config");
        JsonNode list = config.isArray() ? config : config.path("layers");
        return list instanceof ArrayNode a && !a.isEmpty() ? a : null;
    }

    private static ArrayNode batchShape(JsonNode tree) {
        for (ObjectNode c : layerConfigs(tree)) {
            for (String field : List.of("batch_shape", "batch_input_shape")) {
                if (c.get(field) instanceof ArrayNode a && a.size() > 1) {
                    return a;
                }
            }
        }
        return null;
    }

    // ---- bytes ----

    private static byte[] truncate(byte[] b, long length) {
        return Arrays.copyOf(b, (int) length);
    }

    private static byte[] redirect(byte[] h5, long from, long to) {
        byte[] out = h5.clone();
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 8 <= out.length; i++) {
            if (b.getLong(i) == from) {
                b.putLong(i, to);
            }
        }
        return out;
    }

    private static byte[] putLong(byte[] b, int at, long v, int width) {
        byte[] out = b.clone();
        putLongInPlace(out, at, v, width);
        return out;
    }

    private static void putLongInPlace(byte[] b, int at, long v, int width) {
        for (int i = 0; i < width; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    private static String extension(Kind kind) {
        return switch (kind) {
            case KERAS -> "keras";
            case H5 -> "h5";
            case JSON_WEIGHTS -> "json";
        };
    }

    private static java.util.concurrent.ThreadFactory daemon() {
        return r -> {
            Thread t = new Thread(r, "fuzz-load");
            t.setDaemon(true);
            return t;
        };
    }
}
