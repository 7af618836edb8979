package io.flinkrnn.operators.internal.bundle;

import io.flinkrnn.engine.StateLayout;

/** The recurrent states of a key ({@code return_state}), layer by layer in Keras's order, h before c. */
final class RecurrentStates {

    private RecurrentStates() {}

    static float[] of(StateLayout layout, float[] values) {
        int size = layout.states().stream().mapToInt(StateLayout.Slot::size).sum();
        float[] out = new float[size];
        int at = 0;
        for (StateLayout.Slot slot : layout.states()) {
            System.arraycopy(values, slot.offset(), out, at, slot.size());
            at += slot.size();
        }
        return out;
    }
}
