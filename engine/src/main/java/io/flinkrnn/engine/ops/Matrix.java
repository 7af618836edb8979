package io.flinkrnn.engine.ops;

/** A weight matrix laid out by a {@link Kernel} for its own multiply; opaque to everything else. */
public interface Matrix {

    /** Input width: the number of rows of Keras's {@code (input_dim, units)} kernel. */
    int rows();

    /** Output width. */
    int cols();
}
