package io.flinkrnn.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Keras 1 stored one kernel, recurrent kernel and bias per gate ({@code W_i, U_i, b_i, ...}). This
 * concatenates them along the last axis into Keras 2's three weights, in the gate order Keras 2's own
 * loader uses: a Keras 1 LSTM lists its gates i, c, f, o and Keras 2 wants i, f, c, o; a GRU lists z,
 * r, h in both.
 */
final class Keras1Weights {

    /** File positions (in gate groups) of Keras 2's gates i, f, c, o. */
    static final int[] LSTM_GATES = {0, 2, 1, 3};

    static final int[] GRU_GATES = {0, 1, 2};

    private Keras1Weights() {}

    /** Whether the weights left for a layer are in the per-gate layout. */
    static boolean isPerGate(List<Weight> raw, int[] gateOrder) {
        return raw.size() == 3 * gateOrder.length;
    }

    static List<Weight> fuse(LayerConfig layer, List<Weight> raw, int[] gateOrder) {
        List<Weight> fused = new ArrayList<>(3);
        for (int part = 0; part < 3; part++) {
            List<Weight> pieces = new ArrayList<>();
            for (int gate : gateOrder) {
                pieces.add(raw.get(gate * 3 + part));
            }
            fused.add(concatLastAxis(layer, pieces));
        }
        return fused;
    }

    private static Weight concatLastAxis(LayerConfig layer, List<Weight> pieces) {
        Weight first = pieces.get(0);
        int rank = first.shape().length;
        int rows = 1;
        for (int d = 0; d < rank - 1; d++) {
            rows *= first.shape()[d];
        }
        int total = 0;
        for (Weight w : pieces) {
            int[] s = w.shape();
            if (s.length != rank || s.length == 0 || w.data().length / Math.max(1, s[rank - 1]) != rows) {
                throw layer.fail("Keras 1 per-gate weight " + w.path() + " has shape " + w.shapeString()
                        + ", which does not line up with " + first.path() + " " + first.shapeString());
            }
            total += s[rank - 1];
        }
        float[] out = new float[rows * total];
        int offset = 0;
        for (Weight w : pieces) {
            int width = w.shape()[rank - 1];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(w.data(), r * width, out, r * total + offset, width);
            }
            offset += width;
        }
        int[] shape = first.shape().clone();
        shape[rank - 1] = total;
        return new Weight(first.path() + "+" + (pieces.size() - 1) + " more", shape, out);
    }
}
