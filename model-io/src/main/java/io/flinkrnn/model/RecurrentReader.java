package io.flinkrnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.model.spec.Activation;
import io.flinkrnn.model.spec.BidirectionalSpec;
import io.flinkrnn.model.spec.BidirectionalSpec.MergeMode;
import io.flinkrnn.model.spec.CellSpec;
import io.flinkrnn.model.spec.GruCellSpec;
import io.flinkrnn.model.spec.LstmCellSpec;
import io.flinkrnn.model.spec.RecurrentSpec;
import io.flinkrnn.model.spec.Shape;
import io.flinkrnn.model.spec.SimpleRnnCellSpec;
import io.flinkrnn.model.spec.StackedCellsSpec;
import io.flinkrnn.model.spec.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Recurrent layers, every one reduced to a cell looped over time: {@code LSTM}, {@code GRU} and
 * {@code SimpleRNN} are {@code RNN} with their own cell and the cell's options on the layer; {@code
 * RNN(cell)} names its cell; Keras 2's CuDNN layers are fixed-activation LSTM/GRU; {@code ConvLSTM2D}
 * goes to {@link ConvLstmReader}; {@code Bidirectional} holds two of them. {@link LayerRegistry} says
 * which cell reader each class takes. Weights arrive in Keras 2/3's layout and configs with Keras 3's
 * fields and each version's defaults ({@link WeightLayouts}, {@link ConfigNormalizer}), so nothing
 * here depends on the Keras version that wrote the file.
 */
final class RecurrentReader {

    private RecurrentReader() {}

    static RecurrentSpec read(LayerConfig layer, Shape input, WeightCursor w) {
        if (layer.bool("time_major", false)) {
            throw layer.fail("time_major=True is not supported (flink-rnn feeds batch-major sequences)");
        }
        CellSpec cell = LayerRegistry.entry(layer).cell().read(layer, input, w);
        return new RecurrentSpec(
                layer.name(),
                layer.className(),
                cell,
                layer.bool("return_sequences", false),
                layer.bool("return_state", false),
                layer.bool("go_backwards", false),
                layer.bool("stateful", false));
    }

    /** {@code RNN(cell)}: the cell named in its config, any cell the registry knows. */
    static CellSpec rnnCell(LayerConfig layer, Shape input, WeightCursor w) {
        sequenceInputDim(layer, input);
        return cell(layer.nested("cell"), input, w);
    }

    /**
     * Forward weights first, then backward, as Keras lists them. Keras 3 and recent Keras 2 write the
     * backward layer's config; older files only the forward one, from which Keras derives the
     * backward layer by flipping {@code go_backwards} and prefixing the name.
     */
    static BidirectionalSpec bidirectional(LayerConfig layer, Shape input, WeightCursor w) {
        if (layer.bool("return_state", false)) {
            throw layer.fail("return_state=True on Bidirectional is not supported");
        }
        LayerConfig inner = layer.nested("layer");
        RecurrentSpec forward = read(inner, input, w);
        RecurrentSpec backward;
        if (layer.get("backward_layer") != null) {
            backward = read(layer.nested("backward_layer"), input, w);
        } else {
            RecurrentSpec b = read(inner, input, w);
            backward = new RecurrentSpec(
                    "backward_" + b.name(),
                    b.className(),
                    b.cell(),
                    b.returnSequences(),
                    b.returnState(),
                    !b.goBackwards(),
                    b.stateful());
            forward = new RecurrentSpec(
                    "forward_" + forward.name(),
                    forward.className(),
                    forward.cell(),
                    forward.returnSequences(),
                    forward.returnState(),
                    forward.goBackwards(),
                    forward.stateful());
        }
        if (forward.goBackwards() == backward.goBackwards()) {
            throw layer.fail("its forward and backward layers both have go_backwards=" + forward.goBackwards());
        }
        if (forward.returnSequences() != backward.returnSequences()) {
            throw layer.fail("its forward and backward layers disagree on return_sequences");
        }
        JsonNode mode = layer.config().get("merge_mode");
        // Absent means Keras's default, concat; an explicit null is merge_mode=None.
        MergeMode merge = mode == null
                ? MergeMode.CONCAT
                : mode.isNull()
                        ? null
                        : switch (mode.asText()) {
                            case "concat" -> MergeMode.CONCAT;
                            case "sum" -> MergeMode.SUM;
                            case "mul" -> MergeMode.MUL;
                            case "ave" -> MergeMode.AVE;
                            default -> throw layer.fail("merge_mode '" + mode.asText() + "' is not supported");
                        };
        return new BidirectionalSpec(layer.name(), forward, backward, merge);
    }

    private static CellSpec cell(LayerConfig cell, Shape input, WeightCursor w) {
        LayerRegistry.Entry entry = LayerRegistry.of(cell.className())
                .filter(e -> e.kind() == LayerRegistry.Kind.CELL)
                .orElseThrow(() -> cell.fail("is not a supported recurrent cell"));
        return entry.cell().read(cell, input, w);
    }

    /** {@code StackedRNNCells}: each cell reads the outputs of the one before. */
    static StackedCellsSpec stackedCells(LayerConfig cell, Shape input, WeightCursor w) {
        JsonNode entries = cell.require("cells");
        List<CellSpec> cells = new ArrayList<>();
        Shape in = input;
        for (int i = 0; i < entries.size(); i++) {
            CellSpec c = cell(LayerConfig.of(entries.get(i), cell.ctx(), cell.where() + " cell #" + i), in, w);
            cells.add(c);
            in = Shape.sequence(input.timeSteps(), c.outputSize());
        }
        if (cells.isEmpty()) {
            throw cell.fail("has no cells");
        }
        return new StackedCellsSpec(cells);
    }

    static LstmCellSpec lstm(LayerConfig c, int inputDim, WeightCursor w) {
        int units = c.requireInt("units");
        boolean useBias = c.bool("use_bias", true);
        Tensor kernel = w.next("kernel", inputDim, 4 * units);
        Tensor recurrent = w.next("recurrent_kernel", units, 4 * units);
        Tensor bias = useBias ? w.next("bias", 4 * units) : null;
        return new LstmCellSpec(
                units,
                ActivationReader.field(c, "activation", Activation.TANH),
                ActivationReader.field(c, "recurrent_activation", Activation.SIGMOID),
                kernel,
                recurrent,
                bias);
    }

    static GruCellSpec gru(LayerConfig c, int inputDim, WeightCursor w) {
        int units = c.requireInt("units");
        boolean useBias = c.bool("use_bias", true);
        boolean resetAfter = c.bool("reset_after", true);
        Tensor kernel = w.next("kernel", inputDim, 3 * units);
        Tensor recurrent = w.next("recurrent_kernel", units, 3 * units);
        Tensor bias = !useBias ? null : resetAfter ? w.next("bias", 2, 3 * units) : w.next("bias", 3 * units);
        return new GruCellSpec(
                units,
                ActivationReader.field(c, "activation", Activation.TANH),
                ActivationReader.field(c, "recurrent_activation", Activation.SIGMOID),
                resetAfter,
                kernel,
                recurrent,
                bias);
    }

    static SimpleRnnCellSpec simple(LayerConfig c, int inputDim, WeightCursor w) {
        int units = c.requireInt("units");
        boolean useBias = c.bool("use_bias", true);
        Tensor kernel = w.next("kernel", inputDim, units);
        Tensor recurrent = w.next("recurrent_kernel", units, units);
        Tensor bias = useBias ? w.next("bias", units) : null;
        return new SimpleRnnCellSpec(
                units, ActivationReader.field(c, "activation", Activation.TANH), kernel, recurrent, bias);
    }

    /** CuDNNLSTM is an LSTM with tanh/sigmoid fixed and always a bias. */
    static LstmCellSpec cuDnnLstm(LayerConfig c, int inputDim, WeightCursor w) {
        int units = c.requireInt("units");
        return new LstmCellSpec(
                units,
                Activation.TANH,
                Activation.SIGMOID,
                w.next("kernel", inputDim, 4 * units),
                w.next("recurrent_kernel", units, 4 * units),
                w.next("bias", 4 * units));
    }

    /** CuDNNGRU is a GRU with tanh/sigmoid, reset_after=True and always a bias. */
    static GruCellSpec cuDnnGru(LayerConfig c, int inputDim, WeightCursor w) {
        int units = c.requireInt("units");
        return new GruCellSpec(
                units,
                Activation.TANH,
                Activation.SIGMOID,
                true,
                w.next("kernel", inputDim, 3 * units),
                w.next("recurrent_kernel", units, 3 * units),
                w.next("bias", 2, 3 * units));
    }

    static int sequenceInputDim(LayerConfig layer, Shape input) {
        if (!input.sequence()) {
            throw layer.fail("needs a sequence input, got " + input);
        }
        if (input.features().length != 1) {
            throw layer.fail("needs one feature axis per step, got " + input);
        }
        return input.lastDim();
    }
}
