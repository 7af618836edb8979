package io.flinkrnn.engine;

import io.flinkrnn.engine.layer.Batch;
import io.flinkrnn.engine.ops.JavaKernel;
import io.flinkrnn.engine.ops.Kernel;
import io.flinkrnn.model.spec.ModelSpec;
import java.util.Arrays;
import java.util.List;

/**
 * A Keras model served one event at a time for a batch of keys: every key is one row of a Keras
 * batch (docs/SEMANTICS.md section 1), and its state is a flat {@code float[]} laid out by {@link
 * #stateLayout()} that the caller stores between events.
 *
 * <pre>{@code
 * InferenceModel model = InferenceModel.compile(spec, Mode.auto());
 * float[] state = model.newState();
 * model.step(1, new float[][] {event}, new float[][] {state}, new float[][] {output}, emitted);
 * }</pre>
 *
 * <p>Weights are packed once at compile; an instance keeps scratch buffers sized for the largest
 * batch it has seen, so steps do not allocate. An instance serves one thread.
 */
public final class InferenceModel {

    /**
     * Keys per pass through the layers. Every layer computes each key's row on its own, so a large
     * call runs as passes of this many keys: the activations, scratch buffers and states of a pass
     * stay in L2 instead of a megabyte-sized batch streaming through L3 at every layer. 72 is a
     * whole number of the LSTM cell's 24-key tiles.
     */
    private static final int CHUNK = 72;

    private final ModelSpec spec;
    private final Mode mode;
    private final Graph graph;
    private final List<ModelCompiler.Carried> carried;
    private final StateLayout layout;
    private final int inputSize;
    private final int outputSize;
    private final int[] outputSizes;
    /** The events of a call: one step, or a key's window, of every column. */
    private final Batch input = new Batch();
    /** Where each model input's columns start in an event, and how many there are. */
    private final int[] inputOffsets;

    private final int[] inputSizes;
    private final boolean[] sequenceInputs;
    private final Batch[] inputs;

    private InferenceModel(ModelSpec spec, ModelCompiler compiled) {
        this.spec = spec;
        this.mode = compiled.mode;
        this.graph = compiled.graph;
        this.carried = List.copyOf(compiled.carried);
        this.layout = compiled.layout;
        this.inputSize = compiled.inputSize;
        this.outputSize = compiled.outputSize;
        this.outputSizes = compiled.outputSizes;
        int n = spec.inputs().size();
        this.inputOffsets = new int[n];
        this.inputSizes = new int[n];
        this.sequenceInputs = new boolean[n];
        this.inputs = new Batch[n];
        for (int k = 0, offset = 0; k < n; k++) {
            inputOffsets[k] = offset;
            inputSizes[k] = spec.inputs().get(k).stepSize();
            sequenceInputs[k] = spec.inputs().get(k).sequence();
            // A single input is the events batch itself: no copy.
            inputs[k] = n == 1 ? input : new Batch();
            offset += inputSizes[k];
        }
    }

    /**
     * Compiles {@code spec} for {@code mode} with the plain-Java kernel.
     *
     * @throws IllegalArgumentException if the model cannot run in that mode, e.g. a non-causal layer
     *     in stateful mode (the message names the layer)
     */
    public static InferenceModel compile(ModelSpec spec, Mode mode) {
        return compile(spec, mode, JavaKernel.INSTANCE);
    }

    public static InferenceModel compile(ModelSpec spec, Mode mode, Kernel kernel) {
        return new InferenceModel(spec, new ModelCompiler(spec, mode, kernel));
    }

    public ModelSpec spec() {
        return spec;
    }

    /** The mode this model runs in, {@link Mode#auto()} resolved. */
    public Mode mode() {
        return mode;
    }

    public StateLayout stateLayout() {
        return layout;
    }

    /**
     * Floats per event: the per-step input flattened in C order (one token id for an Embedding); for
     * a model with several inputs, each input's step (or static vector) one after another, in input
     * order.
     */
    public int inputSize() {
        return inputSize;
    }

    /**
     * Floats per output: the model's output for one event without the batch axis, in C order; for a
     * model with several outputs, each one's floats one after another, in the model's output order.
     */
    public int outputSize() {
        return outputSize;
    }

    /** How many of {@link #outputSize()}'s floats each of the model's outputs takes, in output order. */
    public int[] outputSizes() {
        return outputSizes.clone();
    }

    /** The state of a key that has seen no event. */
    public float[] newState() {
        return new float[layout.size()];
    }

    /** Keras's {@code reset_states()} for one key: back to zero states and an empty window. */
    public void reset(float[] state) {
        checkState(0, state);
        Arrays.fill(state, 0f);
    }

    /**
     * Feeds one event to each of {@code rows} keys. Row r's event is {@code events[r]}, its state
     * {@code states[r]} (updated in place). If {@code emitted[r]} comes back true, {@code
     * outputs[r]} holds the output; it is false only while a window is still filling. The arrays may
     * be longer than {@code rows}; a key must appear at most once per call. When a row is invalid
     * (wrong width, a bad token id) this throws and no state changes.
     */
    public void step(int rows, float[][] events, float[][] states, float[][] outputs, boolean[] emitted) {
        for (int r = 0; r < rows; r++) {
            if (events[r].length != inputSize) {
                throw new IllegalArgumentException(
                        "row " + r + " has " + events[r].length + " features, the model takes " + inputSize);
            }
            checkState(r, states[r]);
        }
        // A bad token id shows only inside the Embedding layer and must leave every key as it was,
        // so a token model runs the whole call in one pass.
        int chunk = spec.inputIsTokens() ? rows : CHUNK;
        for (int first = 0; first < rows; first += chunk) {
            stepKeys(first, Math.min(chunk, rows - first), events, states, outputs, emitted);
        }
    }

    /** {@link #step} for keys {@code [first, first + rows)}, already checked. */
    private void stepKeys(
            int first, int rows, float[][] events, float[][] states, float[][] outputs, boolean[] emitted) {
        boolean window = mode.kind() == Mode.Kind.WINDOW;
        Batch y = window ? runWindows(first, rows, events, states) : runStateful(first, rows, events, states);
        if (y.rowSize() != outputSize) {
            throw new IllegalStateException("the model produced " + y.rowSize() + " floats, not " + outputSize);
        }
        int seen = layout.seenOffset();
        for (int r = 0; r < rows; r++) {
            float[] state = states[first + r];
            state[seen] = window ? Math.min(state[seen] + 1, mode.window()) : 1;
            emitted[first + r] = hasOutput(state);
            if (emitted[first + r]) {
                System.arraycopy(y.data(), r * outputSize, outputs[first + r], 0, outputSize);
                System.arraycopy(y.data(), r * outputSize, state, layout.outputOffset(), outputSize);
            }
        }
    }

    /**
     * The stateful one-to-many loop Keras users write by hand: from a key's state after events
     * 0..t, whose last output is y_t, feed x_{t+1} = y_t, x_{t+2} = y_{t+1}, ... and return the
     * {@code horizon} outputs y_{t+1} .. y_{t+H}. In window mode each fed-back output enters the
     * window like an event. The given state is left untouched.
     *
     * @throws IllegalArgumentException if outputs cannot be inputs (different widths, token input)
     * @throws IllegalStateException if the key has no output yet
     */
    public float[][] forecast(float[] state, int horizon) {
        checkState(0, state);
        if (spec.inputs().size() != 1) {
            throw new IllegalArgumentException("forecast feeds each output back as the next event, but " + spec.name()
                    + " takes " + spec.inputs().size() + " inputs");
        }
        if (outputSize != inputSize || spec.inputIsTokens()) {
            throw new IllegalArgumentException("forecast feeds each output back as the next event, but "
                    + spec.name() + " takes " + (spec.inputIsTokens() ? "token ids" : inputSize + " features")
                    + " and outputs " + outputSize);
        }
        if (!hasOutput(state)) {
            throw new IllegalStateException("forecast needs a last output; the key has none since its last reset");
        }
        float[][] out = new float[horizon][outputSize];
        float[][] event = {Arrays.copyOfRange(state, layout.outputOffset(), layout.outputOffset() + outputSize)};
        float[][] scratch = {state.clone()};
        boolean[] emitted = new boolean[1];
        for (int k = 0; k < horizon; k++) {
            step(1, event, scratch, new float[][] {out[k]}, emitted);
            event[0] = out[k];
        }
        return out;
    }

    private boolean hasOutput(float[] state) {
        float seen = state[layout.seenOffset()];
        boolean window = mode.kind() == Mode.Kind.WINDOW;
        return window && !mode.prePadding() ? seen >= mode.window() : seen > 0;
    }

    private Batch runStateful(int first, int rows, float[][] events, float[][] states) {
        input.resize(rows, 1, inputSize);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(events[first + r], 0, input.data(), r * inputSize, inputSize);
        }
        for (ModelCompiler.Carried c : carried) {
            float[][] buffers = c.rnn().states(rows);
            for (int s = 0; s < c.sizes().length; s++) {
                int size = c.sizes()[s];
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(states[first + r], c.offsets()[s], buffers[s], r * size, size);
                }
            }
        }
        Batch y = run();
        // Only now, with every layer done, do the new states reach the keys.
        for (ModelCompiler.Carried c : carried) {
            float[][] buffers = c.rnn().states(rows);
            for (int s = 0; s < c.sizes().length; s++) {
                int size = c.sizes()[s];
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(buffers[s], r * size, states[first + r], c.offsets()[s], size);
                }
            }
        }
        return y;
    }

    private Batch runWindows(int first, int rows, float[][] events, float[][] states) {
        int n = mode.window();
        int windowSize = layout.windowSize();
        input.resize(rows, n, inputSize);
        for (int r = 0; r < rows; r++) {
            int base = r * windowSize;
            float[] state = states[first + r];
            System.arraycopy(state, layout.windowOffset() + inputSize, input.data(), base, windowSize - inputSize);
            System.arraycopy(events[first + r], 0, input.data(), base + windowSize - inputSize, inputSize);
        }
        Batch y = run();
        for (int r = 0; r < rows; r++) {
            System.arraycopy(input.data(), r * windowSize, states[first + r], layout.windowOffset(), windowSize);
        }
        return y;
    }

    private Batch run() {
        for (int k = 0; k < inputs.length && inputs.length > 1; k++) {
            split(k);
        }
        return graph.run(inputs);
    }

    /**
     * Model input k's columns of every step of {@link #input}; a static input takes the last
     * event's, the one being served (docs/SEMANTICS.md section 11).
     */
    private void split(int k) {
        int steps = sequenceInputs[k] ? input.steps() : 1;
        Batch b = inputs[k].resize(input.rows(), steps, inputSizes[k]);
        for (int r = 0; r < input.rows(); r++) {
            for (int t = 0; t < steps; t++) {
                int from = input.offset(r, sequenceInputs[k] ? t : input.steps() - 1) + inputOffsets[k];
                System.arraycopy(input.data(), from, b.data(), b.offset(r, t), inputSizes[k]);
            }
        }
    }

    private void checkState(int row, float[] state) {
        if (state.length != layout.size()) {
            throw new IllegalArgumentException(
                    "row " + row + " has a state of " + state.length + " floats, this model keeps " + layout.size());
        }
    }
}
