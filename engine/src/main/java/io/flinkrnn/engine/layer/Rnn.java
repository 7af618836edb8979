package io.flinkrnn.engine.layer;

import io.flinkrnn.engine.cell.Cell;
import io.flinkrnn.engine.cell.ProjectingCell;
import io.flinkrnn.engine.ops.Buffers;
import java.util.Arrays;

/**
 * Keras's {@code RNN} layer loop around a cell: steps over the batch's time axis (backwards with
 * {@code go_backwards}, emitting outputs in processing order as Keras does), honours the mask and
 * returns the whole sequence or the last output.
 *
 * <p>A masked step, as in Keras's {@code rnn()}, keeps the row's states and repeats its previous
 * output, which for Keras cells is the unchanged h.
 *
 * <p>A {@code stateful} layer starts from {@link #states(int)} as the caller left them (Keras's
 * {@code stateful=True}: the states of the previous batch) and leaves its final states there; a
 * layer called with an {@code initial_state} starts from those tensors; any other layer starts every
 * call from zeros. The final states are the layer's outputs 1, 2, ... when it returns them ({@link
 * #state(int)}).
 *
 * <p>The first step of a layer that starts from zeros is {@link Cell#stepFromZero}: those zeros are
 * known when the layer is built (window mode reruns every key's window from them), so a cell may
 * leave out its product with them. A stateful key's state that happens to be zero is never tested
 * for: it takes the full step. A {@link ProjectingCell} computes the input projections of all the
 * steps of a sequence before the loop.
 */
public final class Rnn implements Layer {

    private final String name;
    private final Cell cell;
    private final boolean returnSequences;
    private final boolean goBackwards;
    private final boolean stateful;
    private final int[] sizes;
    private final float[][] states;
    private final float[][] saved;
    private final Batch out = new Batch();
    private final Batch[] stateViews;
    private int rows;

    public Rnn(String name, Cell cell, boolean returnSequences, boolean goBackwards, boolean stateful) {
        this.name = name;
        this.cell = cell;
        this.returnSequences = returnSequences;
        this.goBackwards = goBackwards;
        this.stateful = stateful;
        this.sizes = cell.stateSizes();
        this.states = new float[sizes.length][0];
        this.saved = new float[sizes.length][0];
        this.stateViews = new Batch[sizes.length];
        for (int s = 0; s < sizes.length; s++) {
            stateViews[s] = new Batch();
        }
    }

    public String name() {
        return name;
    }

    public Cell cell() {
        return cell;
    }

    /** The states of {@code rows} keys, {@code [state][row * size + j]}, grown to fit. */
    public float[][] states(int rows) {
        for (int s = 0; s < sizes.length; s++) {
            states[s] = Buffers.ensure(states[s], rows * sizes[s]);
        }
        return states;
    }

    /** State {@code index} after the last call, {@code [rows, 1, size]}: what {@code return_state=True} returns. */
    public Batch state(int index) {
        return stateViews[index].wrap(states[index], rows, sizes[index]);
    }

    @Override
    public Batch forward(Batch in) {
        return forward(in, null);
    }

    /**
     * Keras's {@code call(inputs, initial_state=...)}: with {@code initialState} (one batch per state,
     * {@code [rows, 1, size]}) every row starts from those states instead of zeros or carried ones.
     */
    public Batch forward(Batch in, Batch[] initialState) {
        int rows = in.rows();
        this.rows = rows;
        int steps = in.steps();
        int units = cell.outputSize();
        if (in.width() != cell.inputSize()) {
            throw new IllegalArgumentException(
                    "layer '" + name + "' takes " + cell.inputSize() + " features per step, got " + in.width());
        }
        states(rows);
        boolean fromZero = initialState == null && !stateful;
        if (initialState != null) {
            for (int s = 0; s < sizes.length; s++) {
                if (initialState[s].rowSize() != sizes[s]) {
                    throw new IllegalArgumentException("layer '" + name + "' has a state " + s + " of " + sizes[s]
                            + " floats, its initial_state has " + initialState[s].rowSize());
                }
                System.arraycopy(initialState[s].data(), 0, states[s], 0, rows * sizes[s]);
            }
        } else if (fromZero) {
            for (int s = 0; s < sizes.length; s++) {
                Arrays.fill(states[s], 0, rows * sizes[s], 0f);
            }
        }
        out.resize(rows, returnSequences ? steps : 1, units);
        int outStride = out.rowSize();
        // One step has nothing to gather: stateful mode steps as it always did.
        ProjectingCell projecting =
                steps > 1 && cell instanceof ProjectingCell p && p.project(rows, steps, in.data()) ? p : null;
        for (int i = 0; i < steps; i++) {
            int t = goBackwards ? steps - 1 - i : i;
            int at = returnSequences ? i * units : 0;
            boolean masked = anyMasked(in, t);
            if (masked) {
                save(in, t);
            }
            if (projecting != null) {
                projecting.stepProjected(t, rows, states, out.data(), at, outStride, i == 0 && fromZero);
            } else if (i == 0 && fromZero) {
                cell.stepFromZero(rows, in.data(), t * in.width(), in.rowSize(), states, out.data(), at, outStride);
            } else {
                cell.step(rows, in.data(), t * in.width(), in.rowSize(), states, out.data(), at, outStride);
            }
            if (masked) {
                restore(in, t, at, outStride);
            }
        }
        out.mask(returnSequences ? in.mask() : null);
        return out;
    }

    private static boolean anyMasked(Batch in, int t) {
        if (in.mask() == null) {
            return false;
        }
        for (int r = 0; r < in.rows(); r++) {
            if (in.masked(r, t)) {
                return true;
            }
        }
        return false;
    }

    private void save(Batch in, int t) {
        for (int s = 0; s < sizes.length; s++) {
            saved[s] = Buffers.ensure(saved[s], in.rows() * sizes[s]);
        }
        for (int r = 0; r < in.rows(); r++) {
            if (in.masked(r, t)) {
                for (int s = 0; s < sizes.length; s++) {
                    System.arraycopy(states[s], r * sizes[s], saved[s], r * sizes[s], sizes[s]);
                }
            }
        }
    }

    private void restore(Batch in, int t, int at, int outStride) {
        int h = cell.outputState();
        for (int r = 0; r < in.rows(); r++) {
            if (in.masked(r, t)) {
                for (int s = 0; s < sizes.length; s++) {
                    System.arraycopy(saved[s], r * sizes[s], states[s], r * sizes[s], sizes[s]);
                }
                System.arraycopy(states[h], r * sizes[h], out.data(), at + r * outStride, sizes[h]);
            }
        }
    }
}
