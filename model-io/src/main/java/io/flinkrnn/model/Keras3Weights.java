package io.flinkrnn.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Keras 3's weights layout ({@code model.weights.h5} in a {@code .keras} archive, or a {@code
 * .weights.h5} file). Groups are named by object structure, not by layer name: the model's layers are
 * {@code layers/<class in snake case>} numbered {@code _1}, {@code _2}, ... among layers of the same
 * class, in the order of {@code model.layers}; a layer's own variables are {@code vars/0},
 * {@code vars/1}, ... in creation order; nested layers sit under their attribute name ({@code cell},
 * {@code layer}, {@code forward_layer}, {@code backward_layer}, {@code cells/<class>}). This mirrors
 * Keras's {@code saving_lib}, which loads by the same structure.
 */
final class Keras3Weights implements WeightStore {

    /** Attributes holding one nested layer, in the order their weights follow the layer's own. */
    private static final List<String> NESTED = List.of("forward_layer", "backward_layer", "layer", "cell");

    private final H5File h5;
    private final Map<String, String> groupOfLayer = new HashMap<>();

    Keras3Weights(H5File h5, ModelGraph chain) {
        this.h5 = h5;
        if (!h5.isGroup("layers") && !h5.isGroup("vars")) {
            throw h5.fail("has neither a 'layers' nor a 'vars' group: not a Keras 3 weights file");
        }
        Map<String, Integer> used = new HashMap<>();
        for (LayerConfig layer : chain.container()) {
            groupOfLayer.put(layer.name(), "layers/" + unique(snakeCase(layer.className()), used));
        }
    }

    @Override
    public Optional<List<Weight>> of(LayerConfig layer) {
        String group = groupOfLayer.get(layer.name());
        if (group == null || !h5.isGroup(group)) {
            return Optional.empty();
        }
        List<Weight> out = new ArrayList<>();
        collect(group, layer, false, out);
        return Optional.of(out);
    }

    @Override
    public String contents() {
        return "it has groups " + (h5.isGroup("layers") ? h5.children("layers") : List.of());
    }

    /**
     * @param leaf the group holds the variables of a config that has no nested layer of its own (an
     *     LSTM's {@code cell}): nothing below it is read, so groups linked in a cycle end here
     */
    private void collect(String group, LayerConfig config, boolean leaf, List<Weight> out) {
        String vars = group + "/vars";
        if (h5.isGroup(vars)) {
            List<Integer> indexes = new ArrayList<>();
            for (String child : h5.children(vars)) {
                try {
                    indexes.add(Integer.parseInt(child));
                } catch (NumberFormatException e) {
                    throw h5.fail("'" + vars + "/" + child + "' is not a numbered variable");
                }
            }
            indexes.sort(null);
            for (int i : indexes) {
                out.add(h5.weight(vars + "/" + i));
            }
        }
        if (leaf) {
            return;
        }
        for (String attr : NESTED) {
            if (h5.isGroup(group + "/" + attr)) {
                LayerConfig nested = nestedConfig(config, attr);
                collect(group + "/" + attr, nested, nested == config, out);
            }
        }
        if (h5.isGroup(group + "/cells")) {
            Map<String, Integer> used = new HashMap<>();
            var cells = config.require("cells");
            for (int i = 0; i < cells.size(); i++) {
                LayerConfig cell = LayerConfig.of(cells.get(i), config.ctx(), config.where() + " cell #" + i);
                collect(group + "/cells/" + unique(snakeCase(cell.className()), used), cell, false, out);
            }
        }
    }

    /** The config of a nested layer; an LSTM's own cell has none beyond the layer's. */
    private static LayerConfig nestedConfig(LayerConfig config, String attr) {
        String field =
                switch (attr) {
                    case "forward_layer" -> "layer";
                    case "backward_layer" -> config.get("backward_layer") != null ? "backward_layer" : "layer";
                    default -> attr;
                };
        return config.get(field) != null && config.get(field).isObject() ? config.nested(field) : config;
    }

    /** Keras's {@code naming.to_snake_case}. */
    static String snakeCase(String className) {
        String s = className.replaceAll("\\W+", "");
        s = s.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        s = s.replaceAll("([a-z])([A-Z])", "$1_$2");
        return s.toLowerCase(Locale.ROOT);
    }

    /** Keras's {@code _get_unique_name}: the first is bare, the next ones {@code _1}, {@code _2}, ... */
    private static String unique(String name, Map<String, Integer> used) {
        Integer n = used.get(name);
        if (n == null) {
            used.put(name, 0);
            return name;
        }
        used.put(name, n + 1);
        return name + "_" + (n + 1);
    }
}
