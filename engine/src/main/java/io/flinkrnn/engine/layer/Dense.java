package io.flinkrnn.engine.layer;

import io.flinkrnn.engine.ops.Activations;
import io.flinkrnn.engine.ops.Affine;
import io.flinkrnn.engine.ops.Kernel;
import io.flinkrnn.model.spec.Activation;
import io.flinkrnn.model.spec.DenseSpec;

/** Keras's {@code Dense}: {@code activation(x·kernel + bias)} over the last axis of every step. */
public final class Dense implements Layer {

    private final Affine affine;
    private final Activation activation;
    private final Batch out = new Batch();

    public Dense(DenseSpec spec, Kernel kernel) {
        this.affine = new Affine(kernel, kernel.pack(spec.kernel()), Affine.vector(spec.bias()));
        this.activation = spec.activation();
    }

    @Override
    public Batch forward(Batch in) {
        int inputs = affine.inputs();
        int units = affine.outputs();
        // A step of shape (..., inputs) holds width / inputs vectors, each projected on its own.
        int perStep = in.width() / inputs;
        int vectors = in.rows() * in.steps() * perStep;
        out.resize(in.rows(), in.steps(), perStep * units);
        affine.apply(vectors, in.data(), 0, inputs, out.data(), 0, units);
        Activations.apply(activation, out.data(), 0, vectors, units);
        out.mask(in.mask());
        return out;
    }
}
