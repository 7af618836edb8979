package io.flinkrnn.engine.layer;

import io.flinkrnn.engine.ops.Buffers;
import io.flinkrnn.model.spec.EmbeddingSpec;

/**
 * Keras's {@code Embedding}: each step carries one token id, replaced by its row of the table. With
 * {@code mask_zero}, token 0 masks its step. A token that is not an integer in {@code [0,
 * input_dim)} is refused, as Keras's CPU gather refuses it.
 */
public final class Embedding implements Layer {

    private final EmbeddingSpec spec;
    private final float[] table;
    private final int outputDim;
    private final Batch out = new Batch();
    private boolean[] mask = new boolean[0];

    public Embedding(EmbeddingSpec spec) {
        if (spec.embeddings().data().length != (long) spec.inputDim() * spec.outputDim()) {
            throw new IllegalArgumentException("Embedding '" + spec.name() + "' has a table of "
                    + spec.embeddings().shapeString() + ", not (" + spec.inputDim() + ", " + spec.outputDim() + ")");
        }
        this.spec = spec;
        this.table = spec.embeddings().data();
        this.outputDim = spec.outputDim();
    }

    private void check(float token) {
        if (token != Math.rint(token) || token < 0 || token >= spec.inputDim()) {
            throw new IllegalArgumentException(
                    "Embedding '" + spec.name() + "' takes token ids in [0, " + spec.inputDim() + "), got " + token);
        }
    }

    @Override
    public Batch forward(Batch in) {
        if (in.width() != 1) {
            throw new IllegalArgumentException(
                    "Embedding '" + spec.name() + "' takes one token id per step, got " + in.width());
        }
        int n = in.rows() * in.steps();
        out.resize(in.rows(), in.steps(), outputDim);
        mask = Buffers.ensure(mask, n);
        for (int v = 0; v < n; v++) {
            float token = in.data()[v];
            check(token);
            System.arraycopy(table, (int) token * outputDim, out.data(), v * outputDim, outputDim);
            mask[v] = spec.maskZero() && token == 0;
        }
        out.mask(spec.maskZero() ? mask : null);
        return out;
    }
}
