package io.flinkrnn.model;

import io.flinkrnn.model.spec.Tensor;
import java.util.Arrays;
import java.util.stream.Collectors;

/** One weight as stored in a file: where it was, its shape there, its values in C order. */
record Weight(String path, int[] shape, float[] data) {

    String shapeString() {
        return tuple(shape);
    }

    Tensor tensor() {
        return new Tensor(shape, data);
    }

    /** Python's tuple notation, as Keras prints shapes: {@code (3, 16)}, {@code (16,)}. */
    static String tuple(int[] dims) {
        if (dims.length == 1) {
            return "(" + dims[0] + ",)";
        }
        return Arrays.stream(dims).mapToObj(Integer::toString).collect(Collectors.joining(", ", "(", ")"));
    }
}
