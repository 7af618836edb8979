package io.flinkrnn.engine.layer;

import io.flinkrnn.engine.ops.Activations;
import io.flinkrnn.model.spec.Activation;

/** Keras's {@code Activation} layer and the advanced activations ({@code LeakyReLU}, {@code ELU}, ...). */
public final class ActivationLayer implements Layer {

    private final Activation activation;
    /** The last axis, over which softmax normalizes. */
    private final int lastDim;

    private final Batch out = new Batch();

    public ActivationLayer(Activation activation, int lastDim) {
        this.activation = activation;
        this.lastDim = lastDim;
    }

    @Override
    public Batch forward(Batch in) {
        out.resize(in.rows(), in.steps(), in.width());
        int size = in.rows() * in.rowSize();
        System.arraycopy(in.data(), 0, out.data(), 0, size);
        Activations.apply(activation, out.data(), 0, size / lastDim, lastDim);
        out.mask(in.mask());
        return out;
    }
}
