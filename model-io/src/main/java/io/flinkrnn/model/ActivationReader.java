package io.flinkrnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.model.spec.Activation;
import io.flinkrnn.model.spec.Activation.Kind;

/**
 * Resolves Keras activations: names ({@code "tanh"}), Keras 3's dict form for functions ({@code
 * {"class_name": "function", "config": "gelu", ...}}) and activation layers given as activations or
 * used as layers ({@code LeakyReLU}, {@code ELU}, {@code ReLU}, {@code Softmax}). The names are Keras
 * 3's: {@link ConfigNormalizer} has already renamed an older file's {@code hard_sigmoid}, whose
 * function Keras 3 changed, so neither this reader nor the engine needs the version.
 */
final class ActivationReader {

    private ActivationReader() {}

    /** The activation in a layer's config field, Keras's default when the field is absent. */
    static Activation field(LayerConfig layer, String field, Activation fallback) {
        JsonNode v = layer.config().get(field);
        if (v == null) {
            return fallback;
        }
        return value(layer, field, v);
    }

    static Activation value(LayerConfig layer, String field, JsonNode v) {
        if (v.isNull()) {
            return Activation.LINEAR;
        }
        if (v.isTextual()) {
            return named(layer, field, v.asText());
        }
        if (v.isObject()) {
            String cls = v.path("class_name").asText();
            boolean keras = isKeras(v);
            if (cls.equals("function") && v.path("config").isTextual() && keras) {
                return named(layer, field, v.get("config").asText());
            }
            if (LayerRegistry.is(cls, LayerRegistry.Kind.ACTIVATION) && keras && !cls.equals("Activation")) {
                return ofLayer(LayerConfig.of(v, layer.ctx(), layer.where() + " field '" + field + "'"));
            }
            throw layer.fail(field + " " + describe(v) + " is a custom object: custom objects are code, refused");
        }
        throw layer.fail(field + " is " + v + ", expected an activation name");
    }

    /** Whether a serialized object is Keras's own (no {@code module} is Keras 2's plain form). */
    static boolean isKeras(JsonNode object) {
        String module = object.path("module").asText("keras");
        return module.startsWith("keras") || module.startsWith("tf_keras");
    }

    /** An activation layer ({@code Activation}, {@code LeakyReLU}, ...) as one activation. */
    static Activation ofLayer(LayerConfig layer) {
        return switch (layer.className()) {
            case "Activation" -> value(layer, "activation", layer.require("activation"));
            case "LeakyReLU" -> new Activation(Kind.LEAKY_RELU, layer.number("negative_slope", 0.3f));
            case "ELU" -> new Activation(Kind.ELU, layer.number("alpha", 1.0f));
            case "ReLU" -> relu(layer);
            case "Softmax" -> softmax(layer);
            default -> throw layer.fail("is not an activation layer");
        };
    }

    /** Keras's ReLU layer; its plain forms map to the plain kinds the engine runs fastest. */
    private static Activation relu(LayerConfig layer) {
        float max = layer.number("max_value", Float.POSITIVE_INFINITY);
        float slope = layer.number("negative_slope", 0f);
        float threshold = layer.number("threshold", 0f);
        if (threshold == 0f && slope == 0f && max == Float.POSITIVE_INFINITY) {
            return Activation.of(Kind.RELU);
        }
        if (threshold == 0f && slope == 0f && max == 6f) {
            return Activation.of(Kind.RELU6);
        }
        if (threshold == 0f && max == Float.POSITIVE_INFINITY) {
            return new Activation(Kind.LEAKY_RELU, slope);
        }
        return new Activation(Kind.RELU_GENERAL, slope, max, threshold);
    }

    private static Activation softmax(LayerConfig layer) {
        JsonNode axis = layer.get("axis");
        boolean last = axis == null
                || axis.isInt() && axis.asInt() == -1
                || axis.isArray() && axis.size() == 1 && axis.get(0).asInt() == -1;
        if (!last) {
            throw layer.fail("softmax over axis " + axis + " is not supported, only over the last axis");
        }
        return Activation.of(Kind.SOFTMAX);
    }

    private static Activation named(LayerConfig layer, String field, String name) {
        Kind kind =
                switch (name) {
                    case "linear" -> Kind.LINEAR;
                    case "tanh" -> Kind.TANH;
                    case "sigmoid" -> Kind.SIGMOID;
                    case "hard_sigmoid" -> Kind.HARD_SIGMOID_KERAS3;
                    case ConfigNormalizer.HARD_SIGMOID_KERAS2 -> Kind.HARD_SIGMOID_KERAS2;
                    case "relu" -> Kind.RELU;
                    case "relu6" -> Kind.RELU6;
                    case "elu" -> Kind.ELU;
                    case "selu" -> Kind.SELU;
                    case "softplus" -> Kind.SOFTPLUS;
                    case "softsign" -> Kind.SOFTSIGN;
                    case "softmax" -> Kind.SOFTMAX;
                    case "swish", "silu" -> Kind.SWISH;
                    case "gelu" -> Kind.GELU;
                    case "exponential" -> Kind.EXPONENTIAL;
                    case "leaky_relu" -> Kind.LEAKY_RELU;
                    case "mish" -> Kind.MISH;
                    case "hard_silu", "hard_swish" -> Kind.HARD_SILU;
                    case "celu" -> Kind.CELU;
                    case "log_sigmoid" -> Kind.LOG_SIGMOID;
                    case "hard_tanh" -> Kind.HARD_TANH;
                    case "sparse_plus" -> Kind.SPARSE_PLUS;
                    case "squareplus" -> Kind.SQUAREPLUS;
                    case "soft_shrink" -> Kind.SOFT_SHRINK;
                    case "hard_shrink" -> Kind.HARD_SHRINK;
                    case "tanh_shrink" -> Kind.TANH_SHRINK;
                    case "log_softmax" -> Kind.LOG_SOFTMAX;
                        // Keras 2 saves a custom activation function by its bare name.
                    default -> throw layer.fail(
                            field + " '" + name + "' is not a Keras activation (custom activations are code, refused)");
                };
        return new Activation(kind, defaultParameter(kind));
    }

    /**
     * An activation named by a string takes its function's defaults: {@code elu}/{@code celu} alpha 1,
     * {@code leaky_relu} 0.2 (Keras 3 and tf.nn), {@code squareplus} b 4, the shrinks 0.5.
     */
    private static float defaultParameter(Kind kind) {
        return switch (kind) {
            case ELU, CELU -> 1.0f;
            case LEAKY_RELU -> 0.2f;
            case SQUAREPLUS -> 4.0f;
            case SOFT_SHRINK, HARD_SHRINK -> 0.5f;
            default -> 0f;
        };
    }

    private static String describe(JsonNode v) {
        String registered = v.path("registered_name").asText("");
        String inner = v.path("config").isTextual()
                ? v.get("config").asText()
                : v.path("class_name").asText();
        return "'" + (registered.isEmpty() ? inner : registered) + "' (module '"
                + v.path("module").asText("?") + "')";
    }
}
