package io.flinkrnn.engine.layer;

import io.flinkrnn.model.spec.BidirectionalSpec.MergeMode;

/**
 * Keras's {@code Bidirectional}: a forward and a {@code go_backwards} layer over the same sequence,
 * the backward sequence flipped back into time order, then merged per step.
 */
public final class Bidirectional implements Layer {

    private final Rnn forward;
    private final Rnn backward;
    private final MergeMode mergeMode;
    private final boolean returnSequences;
    private final Batch out = new Batch();

    public Bidirectional(Rnn forward, Rnn backward, MergeMode mergeMode, boolean returnSequences) {
        this.forward = forward;
        this.backward = backward;
        this.mergeMode = mergeMode;
        this.returnSequences = returnSequences;
    }

    @Override
    public Batch forward(Batch in) {
        Batch f = forward.forward(in);
        Batch b = backward.forward(in);
        int units = f.width();
        int steps = f.steps();
        out.resize(f.rows(), steps, mergeMode == MergeMode.CONCAT ? 2 * units : units);
        float[] y = out.data();
        float[] fd = f.data();
        float[] bd = b.data();
        for (int r = 0; r < f.rows(); r++) {
            for (int t = 0; t < steps; t++) {
                int fo = f.offset(r, t);
                int bo = b.offset(r, returnSequences ? steps - 1 - t : t);
                int o = out.offset(r, t);
                for (int j = 0; j < units; j++) {
                    float fv = fd[fo + j];
                    float bv = bd[bo + j];
                    switch (mergeMode) {
                        case CONCAT -> {
                            y[o + j] = fv;
                            y[o + units + j] = bv;
                        }
                        case SUM -> y[o + j] = fv + bv;
                        case MUL -> y[o + j] = fv * bv;
                        case AVE -> y[o + j] = (fv + bv) / 2f;
                    }
                }
            }
        }
        out.mask(returnSequences ? in.mask() : null);
        return out;
    }
}
