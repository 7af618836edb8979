package io.flinkrnn.engine.layer;

import io.flinkrnn.model.spec.BidirectionalSpec.MergeMode;

/**
 * Keras's {@code Bidirectional}: a forward and a {@code go_backwards} layer over the same sequence,
 * the backward sequence flipped back into time order, then merged per step. {@code concat} joins
 * the outputs on their last axis, as Keras does: for a {@code ConvLSTM2D} map that is per pixel
 * (channels_last) or per map row (channels_first), not one block after the other.
 */
public final class Bidirectional implements Layer {

    private final Rnn forward;
    private final Rnn backward;
    private final MergeMode mergeMode;
    private final boolean returnSequences;
    private final int lastAxis;
    private final Batch out = new Batch();

    /** @param lastAxis the size of the last axis of one layer's output at one step */
    public Bidirectional(Rnn forward, Rnn backward, MergeMode mergeMode, boolean returnSequences, int lastAxis) {
        this.forward = forward;
        this.backward = backward;
        this.mergeMode = mergeMode;
        this.returnSequences = returnSequences;
        this.lastAxis = lastAxis;
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
                if (mergeMode == MergeMode.CONCAT) {
                    concat(fd, fo, bd, bo, units, y, o);
                    continue;
                }
                for (int j = 0; j < units; j++) {
                    float fv = fd[fo + j];
                    float bv = bd[bo + j];
                    y[o + j] = switch (mergeMode) {
                        case SUM -> fv + bv;
                        case MUL -> fv * bv;
                        default -> (fv + bv) / 2f;
                    };
                }
            }
        }
        out.mask(returnSequences ? in.mask() : null);
        return out;
    }

    /** Interleaves the two steps' last-axis slices: {@code [f0, b0, f1, b1, ...]}. */
    private void concat(float[] f, int fo, float[] b, int bo, int units, float[] y, int o) {
        for (int i = 0; i < units; i += lastAxis) {
            System.arraycopy(f, fo + i, y, o + 2 * i, lastAxis);
            System.arraycopy(b, bo + i, y, o + 2 * i + lastAxis, lastAxis);
        }
    }
}
