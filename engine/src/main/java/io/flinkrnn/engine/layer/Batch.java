package io.flinkrnn.engine.layer;

import io.flinkrnn.engine.ops.Buffers;

/**
 * Activations of {@code rows} keys over {@code steps} time steps, {@code width} floats per step, in
 * C order {@code [rows, steps, width]} like a Keras tensor (a non-sequence is one step). The
 * optional mask marks skipped steps, {@code mask[row * steps + step]}, as Keras's {@code
 * compute_mask} passes it from layer to layer.
 */
public final class Batch {

    private float[] data = new float[0];
    private int rows;
    private int steps;
    private int width;
    private boolean[] mask;

    /** Makes room for {@code [rows, steps, width]}; the contents are undefined and the mask cleared. */
    public Batch resize(int rows, int steps, int width) {
        this.data = Buffers.ensure(data, rows * steps * width);
        this.rows = rows;
        this.steps = steps;
        this.width = width;
        this.mask = null;
        return this;
    }

    /** Makes this batch a view of {@code other}'s floats read with a new shape of the same size. */
    public Batch view(Batch other, int steps, int width) {
        if (steps * width != other.steps * other.width) {
            throw new IllegalArgumentException(
                    "cannot view " + other.steps + "x" + other.width + " as " + steps + "x" + width);
        }
        this.data = other.data;
        this.rows = other.rows;
        this.steps = steps;
        this.width = width;
        this.mask = null;
        return this;
    }

    /** Makes this batch a view of {@code data} as {@code [rows, 1, width]}: a recurrent layer's states. */
    public Batch wrap(float[] data, int rows, int width) {
        if (data.length < rows * width) {
            throw new IllegalArgumentException(
                    "cannot view " + data.length + " floats as " + rows + " rows of " + width);
        }
        this.data = data;
        this.rows = rows;
        this.steps = 1;
        this.width = width;
        this.mask = null;
        return this;
    }

    public float[] data() {
        return data;
    }

    public int rows() {
        return rows;
    }

    public int steps() {
        return steps;
    }

    public int width() {
        return width;
    }

    /** Floats per row. */
    public int rowSize() {
        return steps * width;
    }

    /** Where step {@code step} of row {@code row} starts. */
    public int offset(int row, int step) {
        return (row * steps + step) * width;
    }

    /** The mask, or {@code null} when no step is masked. */
    public boolean[] mask() {
        return mask;
    }

    public void mask(boolean[] mask) {
        this.mask = mask;
    }

    public boolean masked(int row, int step) {
        return mask != null && mask[row * steps + step];
    }
}
