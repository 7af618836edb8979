package io.flinkrnn.model.spec;

/** A pair along the two spatial axes of a frame, as Keras writes {@code kernel_size} or {@code strides}. */
public record Size2d(int rows, int cols) {

    public Size2d {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("sizes must be positive, got (" + rows + ", " + cols + ")");
        }
    }

    @Override
    public String toString() {
        return "(" + rows + ", " + cols + ")";
    }
}
