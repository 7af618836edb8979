package io.flinkrnn.engine.layer;

import io.flinkrnn.engine.ops.Buffers;
import io.flinkrnn.model.spec.MergeSpec.Kind;
import java.util.Arrays;

/**
 * Keras's merge layers on a batch: {@code Add}, {@code Subtract}, {@code Multiply}, {@code Average},
 * {@code Maximum}, {@code Minimum} element by element, left to right as Keras folds them, and {@code
 * Concatenate} along a feature axis. A step is masked when it is masked in any input (Keras keeps a
 * step where every input's mask keeps it).
 */
public final class Merge {

    private final Kind kind;
    /** Concatenate: the number of slices one step splits into before the axis. */
    private final int outer;
    /** Concatenate: floats of input i per slice, its size along the axis times the axes after it. */
    private final int[] blocks;

    private final Batch out = new Batch();
    private boolean[] mask = new boolean[0];

    private Merge(Kind kind, int outer, int[] blocks) {
        this.kind = kind;
        this.outer = outer;
        this.blocks = blocks;
    }

    public static Merge elementwise(Kind kind) {
        if (kind == Kind.CONCATENATE) {
            throw new IllegalArgumentException("Concatenate needs its axis: use Merge.concatenate");
        }
        return new Merge(kind, 0, new int[0]);
    }

    /**
     * @param features each input's feature shape of one step
     * @param axis the feature axis to join along
     */
    public static Merge concatenate(int[][] features, int axis) {
        int outer = 1;
        for (int d = 0; d < axis; d++) {
            outer *= features[0][d];
        }
        int[] blocks = new int[features.length];
        for (int i = 0; i < features.length; i++) {
            int block = 1;
            for (int d = axis; d < features[i].length; d++) {
                block *= features[i][d];
            }
            blocks[i] = block;
        }
        return new Merge(Kind.CONCATENATE, outer, blocks);
    }

    public Batch forward(Batch[] in) {
        Batch first = in[0];
        if (kind == Kind.CONCATENATE) {
            concatenate(in);
        } else {
            combine(in);
        }
        out.mask(mask(in, first.rows() * first.steps()));
        return out;
    }

    private void combine(Batch[] in) {
        Batch first = in[0];
        int n = first.rows() * first.rowSize();
        out.resize(first.rows(), first.steps(), first.width());
        float[] y = out.data();
        System.arraycopy(first.data(), 0, y, 0, n);
        for (int i = 1; i < in.length; i++) {
            if (in[i].rowSize() != first.rowSize()) {
                throw new IllegalArgumentException(
                        kind + " merges rows of " + first.rowSize() + " and " + in[i].rowSize() + " floats");
            }
            float[] x = in[i].data();
            for (int j = 0; j < n; j++) {
                y[j] = switch (kind) {
                    case ADD, AVERAGE -> y[j] + x[j];
                    case SUBTRACT -> y[j] - x[j];
                    case MULTIPLY -> y[j] * x[j];
                    case MAXIMUM -> Math.max(y[j], x[j]);
                    case MINIMUM -> Math.min(y[j], x[j]);
                    case CONCATENATE -> throw new IllegalStateException("not element-wise");
                };
            }
        }
        if (kind == Kind.AVERAGE) {
            float count = in.length;
            for (int j = 0; j < n; j++) {
                y[j] /= count;
            }
        }
    }

    private void concatenate(Batch[] in) {
        Batch first = in[0];
        int width = 0;
        for (int i = 0; i < in.length; i++) {
            width += outer * blocks[i];
        }
        out.resize(first.rows(), first.steps(), width);
        float[] y = out.data();
        int vectors = first.rows() * first.steps();
        int o = 0;
        for (int v = 0; v < vectors; v++) {
            for (int slice = 0; slice < outer; slice++) {
                for (int i = 0; i < in.length; i++) {
                    int from = v * in[i].width() + slice * blocks[i];
                    System.arraycopy(in[i].data(), from, y, o, blocks[i]);
                    o += blocks[i];
                }
            }
        }
    }

    private boolean[] mask(Batch[] in, int n) {
        boolean any = false;
        for (Batch b : in) {
            any |= b.mask() != null;
        }
        if (!any) {
            return null;
        }
        mask = Buffers.ensure(mask, n);
        Arrays.fill(mask, 0, n, false);
        for (Batch b : in) {
            if (b.mask() != null) {
                for (int v = 0; v < n; v++) {
                    mask[v] |= b.mask()[v];
                }
            }
        }
        return mask;
    }
}
