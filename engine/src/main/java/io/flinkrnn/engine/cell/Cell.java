package io.flinkrnn.engine.cell;

/**
 * Keras's recurrent cell contract, batched: {@code call(input_at_t, states_at_t) -> (output_at_t,
 * states_at_t_plus_1)} for {@code rows} keys at once. A cell knows one step only; looping over time,
 * masking, stacking and state storage live outside.
 *
 * <p>State {@code s} of row {@code r} is {@code states[s][r * stateSizes()[s] + j]}; a step
 * overwrites it with the new state. A cell keeps scratch buffers, so one instance serves one thread.
 */
public interface Cell {

    int inputSize();

    /** Keras's {@code output_size}. */
    int outputSize();

    /** Keras's {@code state_size}, in Keras's order: h, then c for an LSTM. */
    int[] stateSizes();

    /**
     * The state that equals the output after every step (h). Keras repeats the previous output at a
     * masked step; that is this state, left unchanged by the skipped step.
     */
    int outputState();

    /**
     * One step. Row r of the input starts at {@code x[xOffset + r * xStride]}, row r of the output
     * is written at {@code out[outOffset + r * outStride]}.
     */
    void step(
            int rows, float[] x, int xOffset, int xStride, float[][] states, float[] out, int outOffset, int outStride);

    /**
     * {@link #step} when every state is zero because the layer starts from zeros (its first step in
     * window mode): a cell may leave out its products with the states, where that gives the same
     * bits. The caller has zeroed the states all the same.
     */
    default void stepFromZero(
            int rows,
            float[] x,
            int xOffset,
            int xStride,
            float[][] states,
            float[] out,
            int outOffset,
            int outStride) {
        step(rows, x, xOffset, xStride, states, out, outOffset, outStride);
    }
}
