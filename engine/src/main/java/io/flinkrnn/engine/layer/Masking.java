package io.flinkrnn.engine.layer;

import io.flinkrnn.engine.ops.Buffers;
import java.util.Arrays;

/**
 * Keras's {@code Masking}: a step whose features all equal {@code mask_value} is masked for the
 * layers after it, and, as Keras multiplies its output by the mask, comes out as zeros.
 */
public final class Masking implements Layer {

    private final float maskValue;
    private final Batch out = new Batch();
    private boolean[] mask = new boolean[0];

    public Masking(float maskValue) {
        this.maskValue = maskValue;
    }

    @Override
    public Batch forward(Batch in) {
        int width = in.width();
        int n = in.rows() * in.steps();
        out.resize(in.rows(), in.steps(), width);
        System.arraycopy(in.data(), 0, out.data(), 0, n * width);
        mask = Buffers.ensure(mask, n);
        float[] y = out.data();
        for (int v = 0; v < n; v++) {
            boolean masked = true;
            for (int j = v * width; j < (v + 1) * width && masked; j++) {
                masked = y[j] == maskValue;
            }
            mask[v] = masked;
            if (masked) {
                Arrays.fill(y, v * width, (v + 1) * width, 0f);
            }
        }
        out.mask(mask);
        return out;
    }
}
