package io.flinkrnn.model.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * A Keras model as flink-rnn runs it: a graph of layers from its inputs to its outputs, with
 * normalized configs and float32 weights. A Sequential model is the chain where every layer takes
 * the one before; a functional model may branch and merge (docs/SEMANTICS.md section 11). Immutable;
 * built by {@code KerasModels.load}.
 *
 * @param source the file(s) it was read from, for messages
 * @param inputs the model's input shapes without the batch axis, in Keras's input order: at least
 *     one sequence (its {@code timeSteps} the fixed input length, {@code look_back}, when the model
 *     has one; all sequence inputs share it), and vectors of per-key static features; an event
 *     carries them all, each flattened in C order (docs/SEMANTICS.md section 11)
 * @param inputIsTokens whether events carry integer token ids (the model starts with an
 *     Embedding)
 * @param batchSize the batch size fixed in the config ({@code batch_input_shape}), if any
 * @param layers the layers in topological order: a layer's inputs are the model's input or layers
 *     before it
 * @param inbound what each layer takes, index for index with {@code layers}
 * @param outputs the tensors the model serves, in the model's output order; an event's output is
 *     each of them flattened in C order, one after another (docs/SEMANTICS.md section 11)
 */
public record ModelSpec(
        String name,
        String source,
        KerasVersion kerasVersion,
        List<Shape> inputs,
        boolean inputIsTokens,
        Optional<Integer> batchSize,
        List<LayerSpec> layers,
        List<Inbound> inbound,
        List<TensorRef> outputs) {

    public ModelSpec {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("a model serves at least one output");
        }
        layers = List.copyOf(layers);
        inbound = List.copyOf(inbound);
        List<Shape> sequences = inputs.stream().filter(Shape::sequence).toList();
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("a recurrent model takes a sequence, its inputs are " + inputs);
        }
        if (sequences.stream()
                .anyMatch(s -> !Objects.equals(s.timeSteps(), sequences.get(0).timeSteps()))) {
            throw new IllegalArgumentException("the model's sequence inputs " + sequences + " differ in length");
        }
        if (inputIsTokens && inputs.size() != 1) {
            throw new IllegalArgumentException("a token-id model has one input, got " + inputs);
        }
        if (inbound.size() != layers.size()) {
            throw new IllegalArgumentException(
                    layers.size() + " layers but " + inbound.size() + " lists of inbound tensors");
        }
        for (int i = 0; i < layers.size(); i++) {
            for (TensorRef ref : tensorsOf(inbound.get(i))) {
                if (ref.node() >= i || ref.isInput() && ref.inputIndex() >= inputs.size()) {
                    throw new IllegalArgumentException("layer '" + layers.get(i).name() + "' takes a tensor of layer #"
                            + ref.node() + ", which does not come before it");
                }
                checkTensor(ref, layers);
            }
        }
        for (TensorRef output : outputs) {
            if (output.node() >= layers.size() || output.isInput() && output.inputIndex() >= inputs.size()) {
                throw new IllegalArgumentException(
                        "the output refers to layer #" + output.node() + " of " + layers.size());
            }
            checkTensor(output, layers);
        }
    }

    /** A chain: every layer takes the output of the one before, and the last one's is served. */
    public ModelSpec(
            String name,
            String source,
            KerasVersion kerasVersion,
            Shape input,
            boolean inputIsTokens,
            Optional<Integer> batchSize,
            List<LayerSpec> layers) {
        this(
                name,
                source,
                kerasVersion,
                List.of(input),
                inputIsTokens,
                batchSize,
                layers,
                IntStream.range(0, layers.size()).mapToObj(Inbound::chain).toList(),
                List.of(layers.isEmpty() ? TensorRef.INPUT : TensorRef.of(layers.size() - 1)));
    }

    private static List<TensorRef> tensorsOf(Inbound in) {
        List<TensorRef> all = new ArrayList<>(in.inputs());
        all.addAll(in.initialState());
        return all;
    }

    /** Output tensors past 0 exist only as the states of a recurrent layer with {@code return_state=True}. */
    private static void checkTensor(TensorRef ref, List<LayerSpec> layers) {
        if (ref.isInput() || ref.tensor() == 0) {
            return;
        }
        LayerSpec layer = layers.get(ref.node());
        if (!(layer instanceof RecurrentSpec r
                && r.returnState()
                && ref.tensor() <= r.cell().stateSizes().size())) {
            throw new IllegalArgumentException("layer '" + layer.name() + "' (" + layer.className() + ") has no output "
                    + ref.tensor() + (layer instanceof RecurrentSpec ? " (a state needs return_state=True)" : ""));
        }
    }

    /** The input whose time axis is the stream's: the first sequence input. */
    public Shape input() {
        return inputs.stream().filter(Shape::sequence).findFirst().orElseThrow();
    }

    /** Number of floats in one event, every input's step in input order (docs/SEMANTICS.md sections 6, 11). */
    public int features() {
        return inputs.stream().mapToInt(Shape::stepSize).sum();
    }

    /** Whether every layer takes the output of the one before and the last one's output is served. */
    public boolean isChain() {
        for (int i = 0; i < layers.size(); i++) {
            if (!inbound.get(i).equals(Inbound.chain(i))) {
                return false;
            }
        }
        return outputs.equals(List.of(layers.isEmpty() ? TensorRef.INPUT : TensorRef.of(layers.size() - 1)));
    }

    /** The shape of each layer's output (tensor 0), in order. */
    public List<Shape> outputShapes() {
        List<Shape> shapes = new ArrayList<>(layers.size());
        for (int i = 0; i < layers.size(); i++) {
            List<Shape> in = new ArrayList<>();
            for (TensorRef ref : inbound.get(i).inputs()) {
                in.add(shapeOf(ref, shapes));
            }
            shapes.add(layers.get(i).outputShape(in));
        }
        return shapes;
    }

    /** The shape of {@code ref}, given the output shapes of the layers before it. */
    public Shape shapeOf(TensorRef ref, List<Shape> outputShapes) {
        return tensorShape(ref, inputs, layers, outputShapes);
    }

    /**
     * The shape of {@code ref} in a graph of {@code layers} whose inputs have shapes {@code inputs}
     * (the engine runs a model on one step or on a window rather than on the saved input length).
     */
    public static Shape tensorShape(
            TensorRef ref, List<Shape> inputs, List<LayerSpec> layers, List<Shape> outputShapes) {
        if (ref.isInput()) {
            return inputs.get(ref.inputIndex());
        }
        if (ref.tensor() == 0) {
            return outputShapes.get(ref.node());
        }
        return ((RecurrentSpec) layers.get(ref.node())).stateShape(ref.tensor() - 1);
    }

    /**
     * The shape of the served output. Several outputs are served one after another: outputs on one
     * time axis as that axis with their steps joined, any others as one vector of all their floats
     * (a free time axis counting one step, as one event has).
     */
    public Shape outputShape() {
        List<Shape> layerShapes = outputShapes();
        List<Shape> served = outputs.stream().map(o -> shapeOf(o, layerShapes)).toList();
        Shape first = served.get(0);
        if (served.size() == 1) {
            return first;
        }
        int steps = served.stream().mapToInt(Shape::stepSize).sum();
        if (served.stream()
                .allMatch(s -> s.sequence() == first.sequence() && Objects.equals(s.timeSteps(), first.timeSteps()))) {
            return first.sequence() ? Shape.sequence(first.timeSteps(), steps) : Shape.single(steps);
        }
        return Shape.single(served.stream()
                .mapToInt(s -> s.stepSize() * (s.sequence() && s.timeSteps() != null ? s.timeSteps() : 1))
                .sum());
    }

    public long paramCount() {
        return layers.stream().mapToLong(LayerSpec::paramCount).sum();
    }

    /** Whether any recurrent layer was saved with {@code stateful=True}. */
    public boolean statefulInConfig() {
        return layers.stream().anyMatch(l -> l instanceof RecurrentSpec r && r.stateful());
    }

    /** The first layer that cannot run one event at a time, if any. */
    public Optional<LayerSpec> firstNonCausalLayer() {
        return layers.stream().filter(l -> !l.causal()).findFirst();
    }

    /** A tensor as Keras's functional {@code model.summary()} names it, e.g. {@code lstm[0][1]}. */
    public String tensorName(TensorRef ref) {
        return ModelSummary.tensorName(this, ref);
    }

    /** A table like Keras's {@code model.summary()}. */
    public String summary() {
        return ModelSummary.render(this);
    }
}
