package io.flinkrnn.engine.cell;

import io.flinkrnn.engine.ops.Buffers;
import java.util.List;

/**
 * Keras's {@code StackedRNNCells}: within one step each cell feeds its output to the next. The
 * states are the cells' states concatenated in cell order, as Keras flattens them.
 */
public final class StackedCells implements Cell {

    private final Cell[] cells;
    private final int[] firstState;
    private final int[] stateSizes;
    /** Per cell, its slice of the caller's state arrays (references only, refilled each step). */
    private final float[][][] views;
    /** Per cell but the last, its output for the next cell. */
    private final float[][] between;

    public StackedCells(List<Cell> cells) {
        if (cells.isEmpty()) {
            throw new IllegalArgumentException("StackedRNNCells needs at least one cell");
        }
        this.cells = cells.toArray(Cell[]::new);
        this.firstState = new int[this.cells.length];
        this.views = new float[this.cells.length][][];
        this.between = new float[this.cells.length - 1][0];
        int total = 0;
        for (int i = 0; i < this.cells.length; i++) {
            if (i > 0 && this.cells[i].inputSize() != this.cells[i - 1].outputSize()) {
                throw new IllegalArgumentException("StackedRNNCells: cell " + i + " takes "
                        + this.cells[i].inputSize() + " inputs, cell " + (i - 1) + " gives "
                        + this.cells[i - 1].outputSize());
            }
            firstState[i] = total;
            views[i] = new float[this.cells[i].stateSizes().length][];
            total += views[i].length;
        }
        this.stateSizes = new int[total];
        for (int i = 0; i < this.cells.length; i++) {
            int[] sizes = this.cells[i].stateSizes();
            System.arraycopy(sizes, 0, stateSizes, firstState[i], sizes.length);
        }
    }

    @Override
    public int inputSize() {
        return cells[0].inputSize();
    }

    @Override
    public int outputSize() {
        return cells[cells.length - 1].outputSize();
    }

    @Override
    public int[] stateSizes() {
        return stateSizes.clone();
    }

    @Override
    public int outputState() {
        int last = cells.length - 1;
        return firstState[last] + cells[last].outputState();
    }

    @Override
    public void step(
            int rows,
            float[] x,
            int xOffset,
            int xStride,
            float[][] states,
            float[] out,
            int outOffset,
            int outStride) {
        run(rows, x, xOffset, xStride, states, out, outOffset, outStride, false);
    }

    @Override
    public void stepFromZero(
            int rows,
            float[] x,
            int xOffset,
            int xStride,
            float[][] states,
            float[] out,
            int outOffset,
            int outStride) {
        run(rows, x, xOffset, xStride, states, out, outOffset, outStride, true);
    }

    private void run(
            int rows,
            float[] x,
            int xOffset,
            int xStride,
            float[][] states,
            float[] out,
            int outOffset,
            int outStride,
            boolean fromZero) {
        float[] in = x;
        int inOffset = xOffset;
        int inStride = xStride;
        for (int i = 0; i < cells.length; i++) {
            System.arraycopy(states, firstState[i], views[i], 0, views[i].length);
            boolean last = i == cells.length - 1;
            float[] to = out;
            int toOffset = outOffset;
            int toStride = outStride;
            if (!last) {
                int width = cells[i].outputSize();
                between[i] = Buffers.ensure(between[i], rows * width);
                to = between[i];
                toOffset = 0;
                toStride = width;
            }
            if (fromZero) {
                cells[i].stepFromZero(rows, in, inOffset, inStride, views[i], to, toOffset, toStride);
            } else {
                cells[i].step(rows, in, inOffset, inStride, views[i], to, toOffset, toStride);
            }
            in = to;
            inOffset = toOffset;
            inStride = toStride;
        }
    }
}
