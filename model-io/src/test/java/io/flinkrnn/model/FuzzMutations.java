package io.flinkrnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The mutations of {@link LoaderFuzzTest}, each a mutant with what it must do ({@link Expect}): byte
 * level (bit flips, truncation at HDF5 structure boundaries), HDF5 fields found by {@link
 * H5Structure} (dataset dimensions, string lengths, float datatypes, pointers), archive entries
 * (reordered, deflated, duplicated, one entry replaced by a mutant) and JSON configs (bit flips,
 * truncation, nesting past the limit, odd values, too many layers, huge input sizes).
 */
final class FuzzMutations {

    private static final ObjectMapper JSON = new ObjectMapper();

    private FuzzMutations() {}

    /** What a mutant must do; see LoaderFuzzTest's class comment. */
    enum Expect {
        IDENTICAL,
        SAME_WEIGHTS,
        ONE_TENSOR_MAY_CHANGE,
        SHAPES_KEPT,
        REFUSED
    }

    record Mutant(FuzzBase base, String what, byte[] main, byte[] weights, Expect expect, String mustName) {}

    static Mutant mutate(FuzzBase b, Random r) {
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
                    List<ZipBytes.Entry> entries = b.entries();
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
                    Mutant json = jsonMutant(b, b.entry(KerasArchive.CONFIG), r);
                    yield repacked(b, KerasArchive.CONFIG, json);
                }
                default -> hdf5Mutant(b, r);
            };
            case H5 -> r.nextInt(4) == 0 ? inPlaceConfig(b, r) : hdf5Mutant(b, r);
            case JSON_WEIGHTS -> r.nextBoolean() ? jsonMutant(b, b.main(), r) : hdf5Mutant(b, r);
        };
    }

    private static Mutant hdf5Mutant(FuzzBase b, Random r) {
        byte[] h5 = b.hdf5();
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
    private static Mutant wrongDtype(FuzzBase b, byte[] h5, int at, Random r) {
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

    /** The mutated HDF5 bytes in the base's format: an archive's weights entry, the .h5, a pair's weights. */
    static Mutant hdf5Mutant(FuzzBase b, String what, byte[] h5) {
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
    private static Mutant jsonMutant(FuzzBase b, byte[] json, Random r) {
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
        return b.kind() == FuzzBase.Kind.JSON_WEIGHTS
                ? new Mutant(b, what, out, b.weights(), expect, mustName)
                : new Mutant(b, what, out, null, expect, mustName);
    }

    /** A full .h5's model_config attribute rewritten in place: same length, so HDF5 stays intact. */
    private static Mutant inPlaceConfig(FuzzBase b, Random r) {
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

    private static Mutant reordered(FuzzBase b, Random r) {
        List<ZipBytes.Entry> entries = b.entries();
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

    private static Mutant duplicated(FuzzBase b, Random r) {
        List<ZipBytes.Entry> entries = b.entries();
        ZipBytes.Entry dup = entries.get(r.nextInt(entries.size()));
        entries.add(r.nextInt(entries.size() + 1), dup);
        return new Mutant(
                b, "entry " + dup.name() + " duplicated", ZipBytes.write(entries), null, Expect.REFUSED, dup.name());
    }

    /** An archive whose one entry is replaced by a mutant's bytes, with a matching CRC. */
    private static Mutant repacked(FuzzBase b, String name, Mutant inner) {
        List<ZipBytes.Entry> entries = b.entries();
        entries.replaceAll(e -> e.name().equals(name) ? new ZipBytes.Entry(name, inner.main()) : e);
        return new Mutant(
                b, name + ": " + inner.what(), ZipBytes.write(entries), null, inner.expect(), inner.mustName());
    }

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

    static byte[] truncate(byte[] b, long length) {
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
}
