package io.flinkrnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keras 3 saves the mask of a functional model's {@code Masking(mask_value=v)} layer as two op
 * layers, {@code Any(NotEqual(x, v), axis=-1)}, whose result each masked layer takes as its {@code
 * mask=} argument. That tensor means what {@code Masking} means (docs/SEMANTICS.md section 11) when
 * it is the mask of a Masking layer with the same {@code x} and {@code v} that the layer's input
 * comes from: then flink-rnn propagates it from the Masking layer as it does in a Sequential model,
 * and the op layers are not run. Any other {@code mask=} tensor is refused.
 */
final class MaskOps {

    private MaskOps() {}

    /**
     * @param layer the layer called with {@code mask=}
     * @param maskLayer the layer the mask tensor comes from
     * @param inputs the layers each layer of the graph reads, by name
     * @return the names of the op layers that compute the mask
     */
    static Set<String> check(
            LayerConfig layer, String maskLayer, Map<String, LayerConfig> byName, Map<String, List<String>> inputs) {
        LayerConfig any = byName.get(maskLayer);
        if (any == null || !any.className().equals("Any") || !lastAxis(any) || any.bool("keepdims", false)) {
            throw refused(layer);
        }
        JsonNode anyArgs = args(any);
        String notEqualName = history(anyArgs.path(0));
        LayerConfig notEqual = notEqualName == null ? null : byName.get(notEqualName);
        if (notEqual == null || !notEqual.className().equals("NotEqual")) {
            throw refused(layer);
        }
        JsonNode neArgs = args(notEqual);
        String source = history(neArgs.path(0));
        JsonNode value = neArgs.path(1);
        if (source == null || !value.isNumber()) {
            throw refused(layer);
        }
        Set<String> masking = new HashSet<>();
        byName.forEach((name, l) -> {
            if (l.className().equals("Masking")
                    && inputs.getOrDefault(name, List.of()).equals(List.of(source))
                    && l.number("mask_value", 0f) == value.floatValue()) {
                masking.add(name);
            }
        });
        if (!comesFrom(layer.name(), masking, inputs)) {
            throw refused(layer);
        }
        return Set.of(any.name(), notEqual.name());
    }

    private static boolean lastAxis(LayerConfig any) {
        JsonNode axis = any.get("axis");
        return axis != null && axis.isInt() && axis.asInt() == -1;
    }

    private static JsonNode args(LayerConfig op) {
        return op.entry().path("inbound_nodes").path(0).path("args");
    }

    /** The layer a {@code __keras_tensor__} comes from, or null when the value is not one. */
    private static String history(JsonNode tensor) {
        JsonNode h = tensor.path("config").path("keras_history");
        return "__keras_tensor__".equals(tensor.path("class_name").asText())
                        && h.path(0).isTextual()
                ? h.path(0).asText()
                : null;
    }

    private static boolean comesFrom(String layer, Set<String> masking, Map<String, List<String>> inputs) {
        Deque<String> pending = new ArrayDeque<>(inputs.getOrDefault(layer, List.of()));
        Set<String> seen = new HashSet<>();
        while (!pending.isEmpty()) {
            String n = pending.pop();
            if (masking.contains(n)) {
                return true;
            }
            if (seen.add(n)) {
                pending.addAll(inputs.getOrDefault(n, List.of()));
            }
        }
        return false;
    }

    private static ModelLoadException refused(LayerConfig layer) {
        return layer.fail("takes a mask= tensor that is not the mask of a Masking layer its input comes from;"
                + " flink-rnn reads masks from Masking layers (and Embedding mask_zero)");
    }
}
