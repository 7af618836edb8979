package io.flinkrnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Renames config fields of older Keras versions to Keras 3's names, so that the readers see one
 * vocabulary. Keras 1 called {@code units} {@code output_dim}, {@code recurrent_activation} {@code
 * inner_activation} and {@code use_bias} {@code bias}; Keras 2 called the input shape {@code
 * batch_input_shape} and LeakyReLU's slope {@code alpha}. A field an older file leaves out gets the
 * value its version defaulted to, where that differs from Keras 3's default, so that no reader asks
 * which version wrote the file. Weights get the same treatment in {@link WeightLayouts}.
 *
 * <p>Keras 3 also gave an old name a new meaning: {@code hard_sigmoid} is {@code relu6(x + 3) / 6}
 * there but {@code clip(0.2x + 0.5, 0, 1)} in Keras 1 and 2, so an older file's {@code hard_sigmoid}
 * is renamed to {@link #HARD_SIGMOID_KERAS2}, a name of flink-rnn's own.
 */
final class ConfigNormalizer {

    /** Keras 1 layers whose {@code output_dim} is Keras 2's {@code units} (Embedding keeps its name). */
    private static final Set<String> KERAS1_UNITS = Set.of("LSTM", "GRU", "SimpleRNN", "Dense", "TimeDistributedDense");

    /** Keras 1 gated its LSTM and GRU with hard_sigmoid by default, Keras 2 and 3 with sigmoid. */
    private static final Set<String> GATED = Set.of("LSTM", "GRU", "LSTMCell", "GRUCell");

    /** Keras 3 and tf.keras 2 default to reset_after=True and always write it; older files lack it. */
    private static final Set<String> GRUS = Set.of("GRU", "GRUCell");

    /**
     * Dot's {@code normalize=True} caps each input's inverse L2 norm: Keras 3 at {@code 1 / epsilon
     * = 1e7}, tf.keras's {@code tf.linalg.l2_normalize} at {@code 1 / sqrt(1e-12) = 1e6}. Keras writes
     * no field for it, so flink-rnn records the cap of the version under a name of its own.
     */
    static final String DOT_MAX_INVERSE_NORM = "flinkrnn_max_inverse_norm";

    /** The activation Keras 1 and 2 called {@code hard_sigmoid}: {@code clip(0.2x + 0.5, 0, 1)}. */
    static final String HARD_SIGMOID_KERAS2 = "flinkrnn_hard_sigmoid_keras2";

    private ConfigNormalizer() {}

    static ObjectNode normalize(String className, ObjectNode config, int kerasMajor) {
        // Only top-level fields are renamed, so a shallow copy suffices; a deep one per nested layer
        // copied a large config once per nesting level (seconds for a 14 MB config, LoaderFindingsTest).
        ObjectNode c = config.objectNode();
        c.setAll(config);
        rename(c, "batch_input_shape", "batch_shape");
        if (className.equals("LeakyReLU")) {
            rename(c, "alpha", "negative_slope");
        }
        if (kerasMajor == 1) {
            if (KERAS1_UNITS.contains(className)) {
                rename(c, "output_dim", "units");
            }
            rename(c, "inner_activation", "recurrent_activation");
            rename(c, "bias", "use_bias");
            rename(c, "dropout_W", "dropout");
            rename(c, "dropout_U", "recurrent_dropout");
            if (GATED.contains(className) && !c.has("recurrent_activation")) {
                c.put("recurrent_activation", HARD_SIGMOID_KERAS2);
            }
        }
        if (kerasMajor <= 2) {
            renameHardSigmoid(c);
        }
        if (className.equals("Dot")) {
            c.put(DOT_MAX_INVERSE_NORM, kerasMajor >= 3 ? 1e7f : 1e6f);
        }
        if (GRUS.contains(className) && !c.hasNonNull("reset_after")) {
            c.put("reset_after", kerasMajor >= 3);
        }
        return c;
    }

    /**
     * Every activation field ({@code activation}, {@code recurrent_activation}, ...) written as a name
     * or as Keras's {@code {"class_name": "function", "config": name}} form; a custom function of that
     * name is left as it is, for {@link ActivationReader} to refuse by its own name.
     */
    private static void renameHardSigmoid(ObjectNode c) {
        List<String> fields = new ArrayList<>();
        c.fieldNames().forEachRemaining(fields::add);
        for (String field : fields) {
            JsonNode v = c.get(field);
            if (v.isTextual() && v.asText().equals("hard_sigmoid")) {
                c.put(field, HARD_SIGMOID_KERAS2);
            } else if (v.isObject()
                    && ActivationReader.isKeras(v)
                    && v.path("class_name").asText().equals("function")
                    && v.path("config").asText().equals("hard_sigmoid")) {
                ObjectNode function = ((ObjectNode) v).deepCopy();
                function.put("config", HARD_SIGMOID_KERAS2);
                c.set(field, function);
            }
        }
    }

    private static void rename(ObjectNode c, String from, String to) {
        JsonNode v = c.get(from);
        if (v != null && !c.has(to)) {
            c.remove(from);
            c.set(to, v);
        }
    }
}
