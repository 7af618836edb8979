package io.flinkrnn.engine;

import io.flinkrnn.engine.cell.Cell;
import io.flinkrnn.engine.cell.Cells;
import io.flinkrnn.engine.layer.ActivationLayer;
import io.flinkrnn.engine.layer.Bidirectional;
import io.flinkrnn.engine.layer.Dense;
import io.flinkrnn.engine.layer.Dot;
import io.flinkrnn.engine.layer.Embedding;
import io.flinkrnn.engine.layer.Layer;
import io.flinkrnn.engine.layer.Masking;
import io.flinkrnn.engine.layer.Merge;
import io.flinkrnn.engine.layer.RepeatVector;
import io.flinkrnn.engine.layer.Reshape;
import io.flinkrnn.engine.layer.Rnn;
import io.flinkrnn.engine.ops.Kernel;
import io.flinkrnn.model.spec.ActivationSpec;
import io.flinkrnn.model.spec.BidirectionalSpec;
import io.flinkrnn.model.spec.DenseSpec;
import io.flinkrnn.model.spec.DotSpec;
import io.flinkrnn.model.spec.EmbeddingSpec;
import io.flinkrnn.model.spec.FlattenSpec;
import io.flinkrnn.model.spec.IdentitySpec;
import io.flinkrnn.model.spec.Inbound;
import io.flinkrnn.model.spec.LayerSpec;
import io.flinkrnn.model.spec.MaskingSpec;
import io.flinkrnn.model.spec.MergeSpec;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.model.spec.RecurrentSpec;
import io.flinkrnn.model.spec.RepeatVectorSpec;
import io.flinkrnn.model.spec.ReshapeSpec;
import io.flinkrnn.model.spec.Shape;
import io.flinkrnn.model.spec.TensorRef;
import io.flinkrnn.model.spec.TimeDistributedSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Turns a {@link ModelSpec} into a runtime {@link Graph} for one mode. In stateful mode an event is a
 * one-step sequence on the stream's time axis; recurrent layers on that axis carry their states in
 * the key's state, every branch of the graph its own. Layers off it (after a many-to-one layer, or a
 * {@code RepeatVector} decoder) see a fresh sequence per event, so they start from zeros, or from the
 * {@code initial_state} they are given, as in {@code model.predict}. A graph runs in stateful mode
 * when every layer on the stream's axis is causal (docs/SEMANTICS.md section 11).
 */
final class ModelCompiler {

    /** A recurrent layer whose states live in the key's state, at these offsets. */
    record Carried(Rnn rnn, int[] offsets, int[] sizes) {}

    final Mode mode;
    final Graph graph;
    final List<Carried> carried = new ArrayList<>();
    final StateLayout layout;
    final int inputSize;
    final int outputSize;
    /** Floats of each served output per event, in the model's output order. */
    final int[] outputSizes;

    private final Kernel kernel;
    private final List<StateLayout.Slot> slots = new ArrayList<>();
    private int stateOffset;
    private int recurrentIndex;

    ModelCompiler(ModelSpec spec, Mode requested, Kernel kernel) {
        this.kernel = kernel;
        this.mode = resolve(spec, requested);
        boolean stateful = mode.kind() == Mode.Kind.STATEFUL;
        // A sequence input runs one step (stateful) or the window; a static input is one vector.
        List<Shape> input = spec.inputs().stream()
                .map(s -> s.sequence() ? Shape.sequence(stateful ? 1 : mode.window(), s.features()) : s)
                .toList();
        List<Shape> shapes = new ArrayList<>();
        boolean[] stream = new boolean[spec.layers().size()];
        List<Graph.Node> nodes = new ArrayList<>();
        for (int i = 0; i < spec.layers().size(); i++) {
            LayerSpec layer = spec.layers().get(i);
            Inbound inbound = spec.inbound().get(i);
            List<Shape> inputs = inbound.inputs().stream()
                    .map(r -> ModelSpec.tensorShape(r, input, spec.layers(), shapes))
                    .toList();
            boolean onStream = stateful && onStream(spec, layer, inbound, stream);
            nodes.add(node(layer, inbound, inputs, onStream));
            Shape next = layer.outputShape(inputs);
            stream[i] = onStream && next.sequence() && !(layer instanceof RepeatVectorSpec);
            shapes.add(next);
        }
        this.graph = new Graph(nodes, spec.outputs());
        this.inputSize = spec.features();
        this.outputSizes = spec.outputs().stream()
                .map(o -> ModelSpec.tensorShape(o, input, spec.layers(), shapes))
                .mapToInt(out -> (out.sequence() ? out.timeSteps() : 1) * out.stepSize())
                .toArray();
        this.outputSize = IntStream.of(outputSizes).sum();
        int windowSize = stateful ? 0 : mode.window() * inputSize;
        this.layout = new StateLayout(
                slots,
                stateOffset,
                windowSize,
                stateOffset + windowSize,
                outputSize,
                stateOffset + windowSize + outputSize);
    }

    /**
     * Whether, in stateful mode, {@code layer} runs on the stream's time axis, one event at a time;
     * refuses what cannot: a layer that needs the whole sequence, a recurrent layer restarted from
     * other layers' states at every event, a merge of tensors on and off that axis.
     */
    private static boolean onStream(ModelSpec spec, LayerSpec layer, Inbound inbound, boolean[] stream) {
        long on = inbound.inputs().stream()
                .filter(r -> r.isInput()
                        ? spec.inputs().get(r.inputIndex()).sequence()
                        : r.tensor() == 0 && stream[r.node()])
                .count();
        String which = "layer '" + layer.name() + "' (" + layer.className() + ") of " + spec.source();
        if (on == 0) {
            return false;
        }
        if (on != inbound.inputs().size()) {
            throw new IllegalArgumentException(
                    which + " merges tensors on the stream's time axis with tensors"
                            + " off it, so it cannot run one event at a time in stateful mode; serve this model in window mode");
        }
        if (!layer.causal()) {
            throw new IllegalArgumentException(which + " needs the whole sequence, so it cannot run one event at a"
                    + " time in stateful mode; serve this model in window mode");
        }
        if (!inbound.initialState().isEmpty()) {
            throw new IllegalArgumentException(which + " starts from other layers' states (initial_state) on the"
                    + " stream's time axis, so each output needs the whole sequence; serve this model in window mode");
        }
        return true;
    }

    private Graph.Node node(LayerSpec layer, Inbound inbound, List<Shape> inputs, boolean carry) {
        TensorRef[] refs = inbound.inputs().toArray(TensorRef[]::new);
        TensorRef[] initial = inbound.initialState().toArray(TensorRef[]::new);
        if (layer instanceof MergeSpec m) {
            Merge merge = m.kind() == MergeSpec.Kind.CONCATENATE
                    ? Merge.concatenate(inputs.stream().map(Shape::features).toArray(int[][]::new), m.axis())
                    : Merge.elementwise(m.kind());
            return new Graph.Node((in, states) -> merge.forward(in), null, refs, initial);
        }
        if (layer instanceof DotSpec d) {
            Dot dot = new Dot(d);
            return new Graph.Node((in, states) -> dot.forward(in), null, refs, initial);
        }
        if (layer instanceof RecurrentSpec r) {
            // Numbered like Keras's RNN instances in model.layers; a Bidirectional wrapper is not one.
            Rnn rnn = recurrent(r, inputs.get(0), carry, recurrentIndex++);
            return new Graph.Node((in, states) -> rnn.forward(in[0], states), rnn, refs, initial);
        }
        Layer compiled = compile(layer, inputs.get(0), carry);
        return new Graph.Node((in, states) -> compiled.forward(in[0]), null, refs, initial);
    }

    static Mode resolve(ModelSpec spec, Mode requested) {
        Integer fixed = spec.input().timeSteps();
        return switch (requested.kind()) {
            case STATEFUL -> requested;
            case WINDOW -> {
                if (fixed != null && fixed != requested.window()) {
                    throw new IllegalArgumentException(spec.source() + " takes sequences of exactly " + fixed
                            + " steps, so it cannot run over a window of " + requested.window());
                }
                yield requested;
            }
            case AUTO -> {
                if (spec.statefulInConfig() || fixed == null) {
                    yield Mode.stateful();
                }
                Mode window = Mode.window(fixed);
                yield requested.prePadding() ? window.withPrePadding() : window;
            }
        };
    }

    private Layer compile(LayerSpec layer, Shape input, boolean carry) {
        if (layer instanceof BidirectionalSpec b) {
            if (b.mergeMode() == null) {
                throw new IllegalArgumentException("Bidirectional '" + b.name()
                        + "' has merge_mode=None, two outputs; flink-rnn serves one output tensor");
            }
            return new Bidirectional(
                    recurrent(b.forward(), input, false, -1),
                    recurrent(b.backward(), input, false, -1),
                    b.mergeMode(),
                    b.forward().returnSequences(),
                    b.forward().outputShape(input).lastDim());
        }
        if (layer instanceof TimeDistributedSpec td) {
            LayerSpec inner = td.layer();
            if (!inner.perStep()) {
                throw new IllegalArgumentException("TimeDistributed '" + td.name() + "' wraps " + inner.className()
                        + "; flink-rnn runs TimeDistributed over Dense, Activation and Dropout-like layers");
            }
            return compile(inner, Shape.single(input.features()), false);
        }
        if (layer instanceof DenseSpec d) {
            if (d.kernel().rank() != 2 || d.kernel().dim(0) != input.lastDim()) {
                throw new IllegalArgumentException("Dense '" + d.name() + "' has kernel "
                        + d.kernel().shapeString() + " but its input is " + input);
            }
            return new Dense(d, kernel);
        }
        if (layer instanceof ActivationSpec a) {
            return new ActivationLayer(a.activation(), input.lastDim());
        }
        if (layer instanceof IdentitySpec) {
            return Layer.IDENTITY;
        }
        if (layer instanceof MaskingSpec m) {
            return new Masking(m.maskValue());
        }
        if (layer instanceof EmbeddingSpec e) {
            return new Embedding(e);
        }
        if (layer instanceof RepeatVectorSpec rv) {
            return new RepeatVector(rv.n());
        }
        if (layer instanceof FlattenSpec || layer instanceof ReshapeSpec) {
            Shape out = layer.outputShape(input);
            return new Reshape(out.sequence() ? out.timeSteps() : 1, out.stepSize());
        }
        throw new IllegalArgumentException("no engine layer for " + layer.className() + " '" + layer.name() + "'");
    }

    private Rnn recurrent(RecurrentSpec spec, Shape input, boolean carry, int index) {
        Cell cell = Cells.of(spec.cell(), kernel);
        if (input.stepSize() != cell.inputSize()) {
            throw new IllegalArgumentException("layer '" + spec.name() + "' (" + spec.className() + ") takes "
                    + cell.inputSize() + " features per step, its input is " + input);
        }
        Rnn rnn = new Rnn(spec.name(), cell, spec.returnSequences(), spec.goBackwards(), carry);
        if (carry) {
            int[] sizes = cell.stateSizes();
            int[] offsets = new int[sizes.length];
            for (int s = 0; s < sizes.length; s++) {
                offsets[s] = stateOffset;
                slots.add(new StateLayout.Slot(index, spec.name(), s, stateOffset, sizes[s]));
                stateOffset += sizes[s];
            }
            carried.add(new Carried(rnn, offsets, sizes));
        }
        return rnn;
    }
}
