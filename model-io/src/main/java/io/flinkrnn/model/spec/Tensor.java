package io.flinkrnn.model.spec;

import java.util.Arrays;

/**
 * A float32 weight in Keras's own shape, C order. The array is shared, never copied on access:
 * model-io creates it once and nothing downstream may write to it.
 */
public record Tensor(int[] shape, float[] data) {

    public Tensor {
        shape = shape.clone();
        if (size(shape) != data.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " holds " + size(shape) + " values, got " + data.length);
        }
    }

    public static long size(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int axis) {
        return shape[axis];
    }

    public String shapeString() {
        return Shape.tuple(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Tensor" + shapeString();
    }
}
