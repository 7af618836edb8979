package io.flinkrnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.model.spec.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * Brings a layer's stored weights into Keras 2/3's layout before any reader sees them, as {@link
 * ConfigNormalizer} does for configs: Keras 1's per-gate LSTM and GRU weights ({@link
 * Keras1Weights}) and Keras 2's CuDNN layout ({@link CuDnnWeights}), also inside a {@code
 * Bidirectional}. Weights that do not have the old layout's shapes are passed on unchanged, so that
 * the reader reports the shapes the file really has.
 */
final class WeightLayouts {

    private WeightLayouts() {}

    /** @param inputs the shapes the layer is called on */
    static List<Weight> normalize(LayerConfig layer, List<Weight> raw, List<Shape> inputs) {
        if (inputs.size() != 1) {
            return raw;
        }
        if (!layer.className().equals("Bidirectional")) {
            return recurrent(layer, raw, inputs.get(0));
        }
        // Forward weights first, then backward, as many of each.
        if (layer.get("layer") == null || raw.size() % 2 != 0) {
            return raw;
        }
        LayerConfig forward = layer.nested("layer");
        LayerConfig backward = layer.get("backward_layer") == null ? forward : layer.nested("backward_layer");
        int half = raw.size() / 2;
        List<Weight> both = new ArrayList<>(recurrent(forward, raw.subList(0, half), inputs.get(0)));
        both.addAll(recurrent(backward, raw.subList(half, raw.size()), inputs.get(0)));
        return both;
    }

    private static List<Weight> recurrent(LayerConfig layer, List<Weight> raw, Shape input) {
        JsonNode units = layer.get("units");
        if (!input.sequence()
                || input.features().length != 1
                || units == null
                || !units.isInt()
                || units.asInt() <= 0) {
            return raw;
        }
        int inputDim = input.lastDim();
        boolean keras1 = layer.ctx().major() == 1;
        return switch (layer.className()) {
            case "CuDNNLSTM" -> CuDnnWeights.toKeras(raw, 4, inputDim, units.asInt());
            case "CuDNNGRU" -> CuDnnWeights.toKeras(raw, 3, inputDim, units.asInt());
            case "LSTM" -> keras1 && Keras1Weights.isPerGate(raw, Keras1Weights.LSTM_GATES)
                    ? Keras1Weights.fuse(layer, raw, Keras1Weights.LSTM_GATES)
                    : raw;
            case "GRU" -> keras1 && Keras1Weights.isPerGate(raw, Keras1Weights.GRU_GATES)
                    ? Keras1Weights.fuse(layer, raw, Keras1Weights.GRU_GATES)
                    : raw;
            default -> raw;
        };
    }
}
