package io.flinkrnn.engine.layer;

/**
 * A Keras layer's {@code call} on a batch of keys. The returned batch is owned by the layer (or is
 * the input itself) and stays valid until the layer's next call; layers never write their input.
 */
@FunctionalInterface
public interface Layer {

    /** Identity at inference: {@code Dropout} and friends. */
    Layer IDENTITY = in -> in;

    Batch forward(Batch in);
}
