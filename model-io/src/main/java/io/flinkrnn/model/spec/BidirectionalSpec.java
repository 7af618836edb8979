package io.flinkrnn.model.spec;

/**
 * Keras's {@code Bidirectional} wrapper: the forward layer and its {@code go_backwards} twin run over
 * the same sequence and their outputs merge. Never causal, so window mode only.
 *
 * @param mergeMode {@code null} for Keras's {@code merge_mode=None}, which returns both outputs
 */
public record BidirectionalSpec(String name, RecurrentSpec forward, RecurrentSpec backward, MergeMode mergeMode)
        implements LayerSpec {

    public enum MergeMode {
        CONCAT,
        SUM,
        MUL,
        AVE
    }

    @Override
    public String className() {
        return "Bidirectional";
    }

    @Override
    public Shape outputShape(Shape input) {
        Shape one = forward.outputShape(input);
        if (mergeMode == MergeMode.CONCAT || mergeMode == null) {
            int[] f = one.features();
            f[f.length - 1] *= 2;
            return one.withFeatures(f);
        }
        return one;
    }

    @Override
    public long paramCount() {
        return forward.paramCount() + backward.paramCount();
    }

    @Override
    public boolean causal() {
        return false;
    }
}
