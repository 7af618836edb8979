package io.flinkrnn.model.spec;

import java.util.List;

/**
 * What one layer of a functional graph is called on: its positional inputs (one, or several for a
 * merge layer) and, for a recurrent layer, the tensors of its {@code initial_state} keyword (empty:
 * Keras's zero initial states).
 */
public record Inbound(List<TensorRef> inputs, List<TensorRef> initialState) {

    public Inbound {
        inputs = List.copyOf(inputs);
        initialState = List.copyOf(initialState);
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("a layer takes at least one input");
        }
    }

    /** A layer of a chain: the output of the layer before, or the model's input for the first. */
    public static Inbound chain(int index) {
        return new Inbound(List.of(index == 0 ? TensorRef.INPUT : TensorRef.of(index - 1)), List.of());
    }
}
