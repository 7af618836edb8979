package io.flinkrnn.model;

import io.flinkrnn.model.spec.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * The weights of one top-level layer, taken in Keras's order (kernel, recurrent kernel, bias; a
 * wrapper's inner layers one after the other). Each reader says what it expects, so a file that
 * does not fit its config fails on the first weight that differs, naming layer, weight and shapes.
 */
final class WeightCursor {

    private final LayerConfig layer;
    private final String absent;
    private final List<Weight> weights;
    private int next;

    /**
     * @param absent when the file has no entry at all for the layer, what it has instead; a layer
     *     without weights (Dropout) never asks, one with weights fails with this
     */
    WeightCursor(LayerConfig layer, List<Weight> weights, String absent) {
        this.layer = layer;
        this.weights = List.copyOf(weights);
        this.absent = absent;
    }

    /** The next weight, which must have exactly the expected shape. */
    Tensor next(String role, int... expected) {
        Weight w = nextRaw(role);
        if (!Arrays.equals(w.shape(), expected)) {
            throw layer.fail("weight '" + role + "' (" + w.path() + ") has shape " + w.shapeString()
                    + " in the file, the config expects " + Weight.tuple(expected));
        }
        return w.tensor();
    }

    private Weight nextRaw(String role) {
        if (absent != null) {
            throw layer.fail(
                    "weight '" + role + "' is missing: the weights file has no entry for this layer (" + absent + ")");
        }
        if (next >= weights.size()) {
            throw layer.fail("weight '" + role + "' is missing: the file holds " + weights.size()
                    + " weights for this layer" + listing());
        }
        return weights.get(next++);
    }

    /** Fails when the file holds more weights for the layer than its config uses. */
    void finish() {
        if (next < weights.size()) {
            throw layer.fail("the file holds " + weights.size() + " weights for this layer, the config uses " + next
                    + listing());
        }
    }

    private String listing() {
        if (weights.isEmpty()) {
            return "";
        }
        StringBuilder s = new StringBuilder(" (");
        for (int i = 0; i < weights.size(); i++) {
            Weight w = weights.get(i);
            s.append(i == 0 ? "" : ", ").append(w.path()).append(' ').append(w.shapeString());
        }
        return s.append(')').toString();
    }
}
