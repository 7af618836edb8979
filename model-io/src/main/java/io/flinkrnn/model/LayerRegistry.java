package io.flinkrnn.model;

import io.flinkrnn.model.spec.ActivationSpec;
import io.flinkrnn.model.spec.CellSpec;
import io.flinkrnn.model.spec.IdentitySpec;
import io.flinkrnn.model.spec.LayerSpec;
import io.flinkrnn.model.spec.Shape;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every Keras class name flink-rnn knows, with what kind of layer it is and how it is read. {@link
 * LayerSupport} walks this table to decide, before anything is read, whether a model can be served;
 * {@link LayerReader} and {@link RecurrentReader} walk it to read each layer, so a class is supported
 * exactly when it is read. The engine turns each kind of {@link LayerSpec} into its runtime layer.
 */
final class LayerRegistry {

    enum Kind {
        /** A recurrent layer: a cell looped over time. */
        RECURRENT,
        /** A cell inside {@code RNN(cell)} or {@code StackedRNNCells}, not a layer of its own. */
        CELL,
        /** A layer that acts on each step alone, so that {@code TimeDistributed} may wrap it. */
        PER_STEP,
        /** An activation layer: per step too, and also accepted as an {@code activation} field. */
        ACTIVATION,
        /** A layer that wraps another one ({@link Entry#wraps()} says which kinds). */
        WRAPPER,
        /** A layer of a functional graph called on several tensors. */
        MERGE,
        OTHER,
        /** Known, and refused for the entry's reason. */
        REFUSED
    }

    /** Reads a layer called on {@code inputs}; {@code first}: whether it reads the model's input. */
    @FunctionalInterface
    interface Read {
        LayerSpec read(LayerConfig layer, List<Shape> inputs, WeightCursor w, boolean first);
    }

    /** Reads the cell of a recurrent layer, or a cell of {@code RNN(cell)}, for a sequence {@code input}. */
    @FunctionalInterface
    interface ReadCell {
        CellSpec read(LayerConfig layer, Shape input, WeightCursor w);
    }

    /** Reads a layer called on one tensor. */
    @FunctionalInterface
    interface ReadOne {
        LayerSpec read(LayerConfig layer, Shape input, WeightCursor w, boolean first);
    }

    /**
     * @param read how the layer is read (null for a cell or a refused class)
     * @param cell how the cell of a recurrent layer, or a cell, is read (null for the others)
     * @param wraps what a wrapper may wrap
     * @param refusal why a refused class is refused
     */
    record Entry(Kind kind, Read read, ReadCell cell, Set<Kind> wraps, String refusal) {

        boolean perStep() {
            return kind == Kind.PER_STEP || kind == Kind.ACTIVATION;
        }
    }

    private static final Map<String, Entry> TABLE = new HashMap<>();

    static {
        recurrent("LSTM", onSteps(RecurrentReader::lstm));
        recurrent("GRU", onSteps(RecurrentReader::gru));
        recurrent("SimpleRNN", onSteps(RecurrentReader::simple));
        recurrent("RNN", RecurrentReader::rnnCell);
        recurrent("CuDNNLSTM", onSteps(RecurrentReader::cuDnnLstm));
        recurrent("CuDNNGRU", onSteps(RecurrentReader::cuDnnGru));
        recurrent("ConvLSTM2D", ConvLstmReader::read);
        cell("LSTMCell", onSteps(RecurrentReader::lstm));
        cell("GRUCell", onSteps(RecurrentReader::gru));
        cell("SimpleRNNCell", onSteps(RecurrentReader::simple));
        cell("StackedRNNCells", RecurrentReader::stackedCells);

        one("Dense", Kind.PER_STEP, (layer, input, w, first) -> LayerReader.dense(layer, input, w));
        one(
                "TimeDistributedDense",
                Kind.PER_STEP,
                (layer, input, w, first) -> LayerReader.timeDistributedDense(layer, input, w));
        for (String identity :
                List.of("Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout")) {
            one(identity, Kind.PER_STEP, (layer, input, w, first) -> new IdentitySpec(layer.name(), identity));
        }
        for (String activation : List.of("Activation", "LeakyReLU", "ELU", "ReLU", "Softmax")) {
            one(
                    activation,
                    Kind.ACTIVATION,
                    (layer, input, w, first) ->
                            new ActivationSpec(layer.name(), activation, ActivationReader.ofLayer(layer)));
        }

        wrapper(
                "Bidirectional",
                EnumSet.of(Kind.RECURRENT),
                (layer, input, w, first) -> RecurrentReader.bidirectional(layer, input, w));
        wrapper(
                "TimeDistributed",
                EnumSet.of(Kind.PER_STEP, Kind.ACTIVATION),
                (layer, input, w, first) -> LayerReader.timeDistributed(layer, input, w));

        for (String merge : List.of("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate")) {
            add(
                    merge,
                    new Entry(
                            Kind.MERGE,
                            (layer, inputs, w, first) -> LayerReader.merge(layer, inputs),
                            null,
                            Set.of(),
                            null));
        }
        add(
                "Dot",
                new Entry(
                        Kind.MERGE, (layer, inputs, w, first) -> LayerReader.dot(layer, inputs), null, Set.of(), null));

        one("Masking", Kind.OTHER, (layer, input, w, first) -> LayerReader.masking(layer));
        one("Embedding", Kind.OTHER, LayerReader::embedding);
        one("RepeatVector", Kind.OTHER, (layer, input, w, first) -> LayerReader.repeatVector(layer, input));
        one("Flatten", Kind.OTHER, (layer, input, w, first) -> LayerReader.flatten(layer));
        one("Reshape", Kind.OTHER, (layer, input, w, first) -> LayerReader.reshape(layer));

        refused("Lambda", "Lambda: a Lambda layer is code, refused");
        for (String conv : List.of("ConvLSTM1D", "ConvLSTM3D")) {
            refused(conv, conv + ": only ConvLSTM2D of the convolutional recurrent layers is supported");
        }
    }

    private LayerRegistry() {}

    /** The entry of a Keras class name, empty when flink-rnn does not know the class. */
    static Optional<Entry> of(String className) {
        return Optional.ofNullable(TABLE.get(className));
    }

    static boolean is(String className, Kind kind) {
        return of(className).map(e -> e.kind() == kind).orElse(false);
    }

    /** The entry of a layer about to be read; {@link LayerSupport} has accepted it. */
    static Entry entry(LayerConfig layer) {
        return of(layer.className()).orElseThrow(() -> layer.fail("is not supported"));
    }

    /** A vector cell read from the size of one step of a sequence of feature vectors. */
    private static ReadCell onSteps(VectorCell read) {
        return (layer, input, w) -> read.read(layer, RecurrentReader.sequenceInputDim(layer, input), w);
    }

    @FunctionalInterface
    private interface VectorCell {
        CellSpec read(LayerConfig layer, int inputDim, WeightCursor w);
    }

    private static void recurrent(String name, ReadCell cell) {
        add(
                name,
                new Entry(
                        Kind.RECURRENT,
                        single((layer, input, w, first) -> RecurrentReader.read(layer, input, w)),
                        cell,
                        Set.of(),
                        null));
    }

    private static void cell(String name, ReadCell cell) {
        add(name, new Entry(Kind.CELL, null, cell, Set.of(), null));
    }

    private static void one(String name, Kind kind, ReadOne read) {
        add(name, new Entry(kind, single(read), null, Set.of(), null));
    }

    private static void wrapper(String name, Set<Kind> wraps, ReadOne read) {
        add(name, new Entry(Kind.WRAPPER, single(read), null, Set.copyOf(wraps), null));
    }

    private static void refused(String name, String why) {
        add(name, new Entry(Kind.REFUSED, null, null, Set.of(), why));
    }

    private static void add(String name, Entry entry) {
        if (TABLE.put(name, entry) != null) {
            throw new IllegalStateException("Keras class " + name + " is registered twice");
        }
    }

    /** A layer of one input; of the layers flink-rnn runs only merge layers take several. */
    private static Read single(ReadOne read) {
        return (layer, inputs, w, first) -> {
            if (inputs.size() != 1) {
                throw layer.fail("takes " + inputs.size() + " inputs; of the layers flink-rnn runs only merge"
                        + " layers (Add, Concatenate, ...) take several");
            }
            return read.read(layer, inputs.get(0), w, first);
        };
    }
}
