package io.flinkrnn.engine.cell;

import java.util.Arrays;

/**
 * The cells whose every state is a vector of {@code units} floats and whose output is h, the first
 * state: Keras's {@code LSTMCell}, {@code GRUCell} and {@code SimpleRNNCell}.
 */
abstract class UnitsCell implements Cell {

    protected final int inputSize;
    protected final int units;
    private final int states;

    UnitsCell(int inputSize, int units, int states) {
        this.inputSize = inputSize;
        this.units = units;
        this.states = states;
    }

    @Override
    public final int inputSize() {
        return inputSize;
    }

    @Override
    public final int outputSize() {
        return units;
    }

    @Override
    public final int[] stateSizes() {
        int[] sizes = new int[states];
        Arrays.fill(sizes, units);
        return sizes;
    }

    @Override
    public final int outputState() {
        return 0;
    }
}
