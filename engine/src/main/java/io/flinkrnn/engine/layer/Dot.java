package io.flinkrnn.engine.layer;

import io.flinkrnn.model.spec.DotSpec;

/**
 * Keras's {@code Dot(axes=1)} of two vectors per key: one float, their dot product, or with {@code
 * normalize=True} the dot product of the L2-normalized vectors (their cosine similarity).
 */
public final class Dot {

    private final DotSpec spec;
    private final Batch out = new Batch();

    public Dot(DotSpec spec) {
        this.spec = spec;
    }

    public Batch forward(Batch[] in) {
        Batch a = in[0];
        Batch b = in[1];
        int n = a.rowSize();
        if (b.rowSize() != n) {
            throw new IllegalArgumentException(
                    "Dot '" + spec.name() + "' takes vectors of " + n + " and " + b.rowSize() + " floats");
        }
        out.resize(a.rows(), 1, 1);
        for (int r = 0; r < a.rows(); r++) {
            int offset = r * n;
            float dot = 0f;
            for (int i = 0; i < n; i++) {
                dot += a.data()[offset + i] * b.data()[offset + i];
            }
            if (spec.normalize()) {
                // Keras scales each input by its inverse norm before the product; the product of the
                // two factors is the same float up to rounding, well inside the 1e-5 contract.
                dot *= inverseNorm(a.data(), offset, n) * inverseNorm(b.data(), offset, n);
            }
            out.data()[r] = dot;
        }
        return out;
    }

    private float inverseNorm(float[] x, int offset, int n) {
        float squares = 0f;
        for (int i = 0; i < n; i++) {
            squares += x[offset + i] * x[offset + i];
        }
        return Math.min((float) (1.0 / Math.sqrt(squares)), spec.maxInverseNorm());
    }
}
