package io.flinkrnn.engine.cell;

/**
 * A cell whose step starts with a product of its input alone, {@code x·W}, and can therefore compute
 * it for every step of a sequence in one product before the recurrence, as ONNX Runtime's and
 * cuDNN's LSTMs do: one product over rows × steps rows streams W once where one product per step
 * streams it once a step, and a batch of one key becomes a block of several.
 *
 * <p>The step then continues that product with h·U, in the same accumulators and the same order as
 * {@link #step} computes {@code [x | h]·[W; U]}, so the bits do not change.
 */
public interface ProjectingCell extends Cell {

    /**
     * Computes x·W of every step of a sequence: row r's step t starts at {@code x[(r * steps + t) *
     * inputSize()]}. Returns false, having done nothing, when the projections of so many rows and
     * steps would not stay in the cache the recurrence reads them from; the layer then steps as
     * usual.
     */
    boolean project(int rows, int steps, float[] x);

    /**
     * {@link #step}, or {@link #stepFromZero} when {@code fromZero}, for step {@code t} of the
     * sequence last given to {@link #project}.
     */
    void stepProjected(int t, int rows, float[][] states, float[] out, int outOffset, int outStride, boolean fromZero);
}
