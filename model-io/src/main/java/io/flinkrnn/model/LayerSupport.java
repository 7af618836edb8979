package io.flinkrnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.model.LayerRegistry.Entry;
import io.flinkrnn.model.LayerRegistry.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides before anything is read whether every layer is one flink-rnn runs, so that a model with
 * several unsupported layers is reported once with all of them. What is supported is what {@link
 * LayerRegistry} lists. A model file is data, never code: Lambda layers and custom (registered or
 * non-Keras-module) classes are refused by name, even when a custom class borrows a Keras class name.
 */
final class LayerSupport {

    private LayerSupport() {}

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
        Optional<Entry> entry = LayerRegistry.of(cls);
        if (entry.isEmpty() || entry.get().kind() == Kind.CELL) {
            return Optional.of(cls);
        }
        return switch (entry.get().kind()) {
            case REFUSED -> Optional.of(entry.get().refusal());
            case WRAPPER -> wrapped(layer, "layer", entry.get())
                    .or(() -> layer.get("backward_layer") != null
                            ? wrapped(layer, "backward_layer", entry.get())
                            : Optional.empty())
                    .map(p -> cls + " of " + p);
            case RECURRENT -> cls.equals("RNN")
                    ? cellProblem(layer.nested("cell")).map(p -> "RNN of " + p)
                    : none();
            default -> none();
        };
    }

    private static Optional<String> none() {
        return Optional.empty();
    }

    private static Optional<String> wrapped(LayerConfig wrapper, String field, Entry entry) {
        LayerConfig inner = wrapper.nested(field);
        Optional<String> p = problem(inner);
        if (p.isPresent()) {
            return p;
        }
        boolean allowed = LayerRegistry.of(inner.className())
                .map(e -> entry.wraps().contains(e.kind()))
                .orElse(false);
        return allowed ? Optional.empty() : Optional.of(inner.className());
    }

    private static Optional<String> cellProblem(LayerConfig cell) {
        Optional<String> custom = custom(cell);
        if (custom.isPresent()) {
            return custom;
        }
        Optional<Entry> entry = LayerRegistry.of(cell.className());
        if (entry.isPresent() && entry.get().kind() == Kind.REFUSED) {
            return Optional.of(entry.get().refusal());
        }
        if (entry.isEmpty() || entry.get().kind() != Kind.CELL) {
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
