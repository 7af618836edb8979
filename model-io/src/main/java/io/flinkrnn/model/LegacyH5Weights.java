package io.flinkrnn.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The HDF5 layout of Keras 1 and 2 (and Keras 3's legacy {@code .h5}): a group per layer named after
 * the layer, listed by the {@code layer_names} attribute, whose {@code weight_names} attribute lists
 * its weights in order as paths inside the group ({@code lstm/lstm_cell/kernel:0}). Full model files
 * keep this under {@code model_weights}; {@code save_weights} files at the root.
 */
final class LegacyH5Weights implements WeightStore {

    private final H5File h5;
    private final String root;
    private final List<String> layerNames;

    LegacyH5Weights(H5File h5, String root) {
        this.h5 = h5;
        this.root = root;
        this.layerNames = h5.stringsAttribute(root, "layer_names")
                .orElseThrow(() -> h5.fail("'" + (root.isEmpty() ? "/" : root)
                        + "' has no 'layer_names' attribute: not a Keras weights file"));
    }

    @Override
    public Optional<List<Weight>> of(LayerConfig layer) {
        if (!layerNames.contains(layer.name())) {
            return Optional.empty();
        }
        String group = prefix() + layer.name();
        List<String> names = h5.stringsAttribute(group, "weight_names").orElse(List.of());
        List<Weight> weights = new ArrayList<>(names.size());
        for (String name : names) {
            weights.add(h5.weight(group + "/" + name));
        }
        return Optional.of(weights);
    }

    @Override
    public String contents() {
        return "it has weights for layers " + layerNames;
    }

    private String prefix() {
        return root.isEmpty() ? "" : root + "/";
    }
}
