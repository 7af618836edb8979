package io.flinkrnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides before anything is read whether every layer is one flink-rnn runs, so that a model with
 * several unsupported layers is reported once with all of them. A model file is data, never code:
 * Lambda layers and custom (registered or non-Keras-module) classes are refused by name, even when a
 * custom class borrows a Keras class name.
 */
final class LayerSupport {

    static final Set<String> RECURRENT =
            Set.of("LSTM", "GRU", "SimpleRNN", "RNN", "CuDNNLSTM", "CuDNNGRU", "ConvLSTM2D");
    static final Set<String> CELLS = Set.of("LSTMCell", "GRUCell", "SimpleRNNCell", "StackedRNNCells");
    /** Identity at inference. */
    static final Set<String> IDENTITY =
            Set.of("Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout");

    static final Set<String> ACTIVATION_LAYERS = Set.of("Activation", "LeakyReLU", "ELU", "ReLU", "Softmax");
    /** Layers that act on each step alone, so TimeDistributed may wrap them. */
    private static final Set<String> PER_STEP =
            union(Set.of("Dense", "TimeDistributedDense"), IDENTITY, ACTIVATION_LAYERS);

    /** Layers of a functional graph that combine several tensors. */
    static final Set<String> MERGE =
            Set.of("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate");

    private static final Set<String> OTHERS =
            Set.of("Masking", "Embedding", "RepeatVector", "Flatten", "Reshape", "Dot");
    /** Recurrent convolutions over other ranks than frames. */
    private static final Set<String> CONV_RECURRENT = Set.of("ConvLSTM1D", "ConvLSTM3D");

    private static final String LAMBDA = "Lambda: a Lambda layer is code, refused";

    private LayerSupport() {}

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        return java.util.Arrays.stream(sets)
                .flatMap(Set::stream)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    static void check(List<LayerConfig> layers, LoadContext ctx) {
        List<String> problems = new ArrayList<>();
        for (LayerConfig layer : layers) {
            problem(layer).ifPresent(p -> problems.add("'" + layer.name() + "' (" + p + ")"));
        }
        if (!problems.isEmpty()) {
            throw ctx.fail((problems.size() == 1 ? "unsupported layer: " : "unsupported layers: ")
                    + String.join(", ", problems));
        }
    }

    /** What is wrong with a layer, starting with its class name; empty when it is supported. */
    private static Optional<String> problem(LayerConfig layer) {
        String cls = layer.className();
        Optional<String> custom = custom(layer);
        if (custom.isPresent()) {
            return custom;
        }
        if (cls.equals("Lambda")) {
            return Optional.of(LAMBDA);
        }
        if (CONV_RECURRENT.contains(cls)) {
            return Optional.of(cls + ": only ConvLSTM2D of the convolutional recurrent layers is supported");
        }
        if (cls.equals("RNN")) {
            return cellProblem(layer.nested("cell")).map(p -> "RNN of " + p);
        }
        if (cls.equals("Bidirectional")) {
            Optional<String> inner = wrapped(layer, "layer", RECURRENT);
            if (inner.isEmpty() && layer.get("backward_layer") != null) {
                inner = wrapped(layer, "backward_layer", RECURRENT);
            }
            return inner.map(p -> "Bidirectional of " + p);
        }
        if (cls.equals("TimeDistributed")) {
            return wrapped(layer, "layer", PER_STEP).map(p -> "TimeDistributed of " + p);
        }
        if (RECURRENT.contains(cls) || PER_STEP.contains(cls) || OTHERS.contains(cls) || MERGE.contains(cls)) {
            return Optional.empty();
        }
        return Optional.of(cls);
    }

    private static Optional<String> wrapped(LayerConfig wrapper, String field, Set<String> allowed) {
        LayerConfig inner = wrapper.nested(field);
        Optional<String> p = problem(inner);
        if (p.isPresent()) {
            return p;
        }
        return allowed.contains(inner.className()) ? Optional.empty() : Optional.of(inner.className());
    }

    private static Optional<String> cellProblem(LayerConfig cell) {
        Optional<String> custom = custom(cell);
        if (custom.isPresent()) {
            return custom;
        }
        if (cell.className().equals("Lambda")) {
            return Optional.of(LAMBDA);
        }
        if (!CELLS.contains(cell.className())) {
            return Optional.of(cell.className());
        }
        if (cell.className().equals("StackedRNNCells")) {
            JsonNode cells = cell.require("cells");
            for (int i = 0; i < cells.size(); i++) {
                Optional<String> p =
                        cellProblem(LayerConfig.of(cells.get(i), cell.ctx(), cell.where() + " cell #" + i));
                if (p.isPresent()) {
                    return p.map(s -> "StackedRNNCells of " + s);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Keras writes {@code registered_name} only for classes registered by user code, and builtin
     * classes live in a {@code keras...} module; anything else must be imported code to be rebuilt.
     */
    private static Optional<String> custom(LayerConfig layer) {
        JsonNode registered = layer.entry().get("registered_name");
        JsonNode module = layer.entry().get("module");
        boolean foreignModule = module != null
                && module.isTextual()
                && !module.asText().startsWith("keras")
                && !module.asText().startsWith("tf_keras");
        if (registered != null && registered.isTextual() && !registered.asText().equals(layer.className())
                || foreignModule) {
            String id = registered != null && registered.isTextual() ? registered.asText() : layer.className();
            return Optional.of(id + ": custom objects are code, refused");
        }
        return Optional.empty();
    }
}
