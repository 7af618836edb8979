package io.flinkrnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One layer's {@code {"class_name": ..., "config": {...}}} entry, its config already normalized to
 * Keras 3's field names by {@link ConfigNormalizer}, with accessors whose failures name the layer and
 * the field.
 *
 * @param entry the whole entry as in the file ({@code module}, {@code registered_name}, inbound nodes)
 */
record LayerConfig(String className, String name, ObjectNode config, JsonNode entry, LoadContext ctx) {

    static LayerConfig of(JsonNode entry, LoadContext ctx, String where) {
        if (entry == null || !entry.isObject() || !entry.path("class_name").isTextual()) {
            throw ctx.fail(where + " is not a Keras layer entry (no 'class_name')");
        }
        String className = entry.get("class_name").asText();
        JsonNode config = entry.path("config");
        if (!config.isObject()) {
            throw ctx.fail(where + " (" + className + ") has no 'config' object");
        }
        ObjectNode normalized = ConfigNormalizer.normalize(className, (ObjectNode) config, ctx.major());
        String name = normalized.path("name").asText(entry.path("name").asText(className));
        return new LayerConfig(className, name, normalized, entry, ctx);
    }

    /** {@code layer 'lstm' (LSTM)}, how every message names a layer. */
    String where() {
        return "layer '" + name + "' (" + className + ")";
    }

    ModelLoadException fail(String what) {
        return ctx.fail(where() + ": " + what);
    }

    /** A nested layer entry such as Bidirectional's {@code layer} or RNN's {@code cell}. */
    LayerConfig nested(String field) {
        return LayerConfig.of(require(field), ctx, where() + " field '" + field + "'");
    }

    JsonNode require(String field) {
        JsonNode n = config.get(field);
        if (n == null || n.isNull()) {
            throw fail("config field '" + field + "' is missing");
        }
        return n;
    }

    /** The JSON value of a field, or {@code null} when absent or JSON null. */
    JsonNode get(String field) {
        JsonNode n = config.get(field);
        return n == null || n.isNull() ? null : n;
    }

    int requireInt(String field) {
        JsonNode n = require(field);
        if (!n.canConvertToInt() || !n.isIntegralNumber() && n.asDouble() != Math.rint(n.asDouble())) {
            throw fail("config field '" + field + "' is " + n + ", expected an integer");
        }
        int v = n.asInt();
        if (v <= 0) {
            throw fail("config field '" + field + "' is " + v + ", expected a positive integer");
        }
        return v;
    }

    boolean bool(String field, boolean fallback) {
        JsonNode n = get(field);
        if (n == null) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw fail("config field '" + field + "' is " + n + ", expected true or false");
        }
        return n.asBoolean();
    }

    float number(String field, float fallback) {
        JsonNode n = get(field);
        if (n == null) {
            return fallback;
        }
        if (!n.isNumber()) {
            throw fail("config field '" + field + "' is " + n + ", expected a number");
        }
        return n.floatValue();
    }
}
