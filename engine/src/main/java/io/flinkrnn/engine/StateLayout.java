package io.flinkrnn.engine;

import java.util.List;

/**
 * Where everything a key carries lives in its flat {@code float[]} state, so that an operator can
 * store it as one array. In order:
 *
 * <ol>
 *   <li>stateful mode: the states of every recurrent layer on the stream's time axis, layer by layer
 *       in model order, each layer's states in Keras's order (h, then c for an LSTM; a {@code
 *       StackedRNNCells} its cells' states cell by cell) — {@link #states()}. A {@code ConvLSTM2D}
 *       layer carries its h and c feature maps, {@code 2 × filters × outRows × outCols} floats, each
 *       map in the layer's {@code data_format} C order as Keras holds it;
 *   <li>window mode: the last N events, oldest first, {@code N * features} floats — {@link
 *       #windowOffset()};
 *   <li>the last output, what {@link InferenceModel#forecast} feeds back — {@link #outputOffset()};
 *   <li>one float counting the events since the last reset, saturating at N in window mode and at 1
 *       in stateful mode — {@link #seenOffset()}.
 * </ol>
 *
 * All zeros is the state of a fresh key (Keras's zero initial states, an empty window).
 */
public record StateLayout(
        List<Slot> states, int windowOffset, int windowSize, int outputOffset, int outputSize, int seenOffset) {

    /**
     * One recurrent state of one layer.
     *
     * @param layer the layer's index among the model's recurrent layers (Keras's {@code RNN}
     *     instances) in model order
     * @param state the index in the layer's flattened {@code states}
     */
    public record Slot(int layer, String layerName, int state, int offset, int size) {}

    public StateLayout {
        states = List.copyOf(states);
    }

    /** Floats per key. */
    public int size() {
        return seenOffset + 1;
    }

    /** State {@code state} of recurrent layer {@code layer}, as numbered in {@link Slot}. */
    public Slot state(int layer, int state) {
        return states.stream()
                .filter(s -> s.layer() == layer && s.state() == state)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        "no carried state " + state + " of recurrent layer " + layer + " in " + states));
    }
}
