package io.flinkrnn.model.spec;

import java.util.List;

/**
 * A recurrent cell in Keras's sense: one step for a batch of rows, {@code call(input, states) ->
 * (output, new_states)}. Looping over time, stacking and bidirectional wrapping live outside cells.
 */
public sealed interface CellSpec
        permits LstmCellSpec, GruCellSpec, SimpleRnnCellSpec, StackedCellsSpec, ConvLstm2dCellSpec {

    /** Width of the output at one step ({@code output_size}). */
    int outputSize();

    /**
     * The output's shape at one step, C order: {@code (output_size,)} for vector cells, the feature
     * map's shape for a convolutional cell.
     */
    default int[] outputFeatures() {
        return new int[] {outputSize()};
    }

    /** Width of each state tensor, in Keras's order ({@code state_size}): h, and c for an LSTM. */
    List<Integer> stateSizes();

    long paramCount();

    /** Keras's class name for the cell, e.g. {@code LSTMCell}. */
    String cellClassName();

    static long count(Tensor... tensors) {
        long n = 0;
        for (Tensor t : tensors) {
            if (t != null) {
                n += t.data().length;
            }
        }
        return n;
    }
}
