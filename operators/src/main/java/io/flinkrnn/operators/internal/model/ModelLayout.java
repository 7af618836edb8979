package io.flinkrnn.operators.internal.model;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.engine.StateLayout;
import io.flinkrnn.model.spec.CellSpec;
import io.flinkrnn.model.spec.ConvLstm2dCellSpec;
import io.flinkrnn.model.spec.GruCellSpec;
import io.flinkrnn.model.spec.LayerSpec;
import io.flinkrnn.model.spec.LstmCellSpec;
import io.flinkrnn.model.spec.RecurrentSpec;
import io.flinkrnn.model.spec.SimpleRnnCellSpec;
import io.flinkrnn.model.spec.StackedCellsSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.annotation.Internal;

/**
 * What a key's state means, as one line: the input width, each carried recurrent layer's cell kind
 * with its states' sizes in model order, the window and the last output, e.g. {@code input 4,
 * LSTM(8, 8), output 2}. Two models with the same line read each other's states as their own (the
 * same architecture retrained); any other difference — units, layer kinds, number of layers, the
 * same number of floats laid out otherwise — means a state of one is garbage to the other. The
 * operator checkpoints the line of the model that wrote its keys' states and compares it on restore
 * and on every model swap. Layer names are left out: Keras numbers them by creation order, so the
 * same architecture built twice may carry other names.
 *
 * <p>The line is part of the state format: savepoints hold it, so a change of its wording would
 * make every existing savepoint look written by another model.
 */
@Internal
public record ModelLayout(String line, int floats) {

    /** The layout of {@code model}'s states. */
    public static ModelLayout of(InferenceModel model) {
        return new ModelLayout(lineOf(model), model.stateLayout().size());
    }

    /**
     * Whether states of {@code other} are this layout's own: the same line, hence the same floats
     * meaning the same things. Anything else is garbage to this model, however many floats it has.
     */
    public boolean compatibleWith(ModelLayout other) {
        return line.equals(other.line);
    }

    /**
     * Whether states a checkpoint recorded as written by {@code recordedLine} are this layout's own;
     * {@code null}, from builds before the line was recorded, is taken as the same model (a key's
     * float count is then the only check, {@link #fits}).
     */
    public boolean wrote(String recordedLine) {
        return recordedLine == null || recordedLine.equals(line);
    }

    /** Whether a key's stored values have this layout's size: the per-key check, free since the length is stored. */
    public boolean fits(float[] values) {
        return values.length == floats;
    }

    /** The line, as messages and savepoints show it. */
    @Override
    public String toString() {
        return line;
    }

    private static String lineOf(InferenceModel model) {
        StateLayout layout = model.stateLayout();
        List<String> parts = new ArrayList<>();
        parts.add("input " + model.inputSize());
        int layer = -1;
        List<Integer> sizes = new ArrayList<>();
        String kind = null;
        for (StateLayout.Slot slot : layout.states()) {
            if (slot.layer() != layer) {
                if (kind != null) {
                    parts.add(layerPart(kind, sizes));
                }
                layer = slot.layer();
                kind = kindOf(model, slot.layerName());
                sizes.clear();
            }
            sizes.add(slot.size());
        }
        if (kind != null) {
            parts.add(layerPart(kind, sizes));
        }
        if (layout.windowSize() > 0) {
            parts.add("window of " + layout.windowSize() + " floats");
        }
        parts.add("output " + layout.outputSize());
        return String.join(", ", parts);
    }

    private static String layerPart(String kind, List<Integer> sizes) {
        return kind + sizes.stream().map(String::valueOf).collect(Collectors.joining(", ", "(", ")"));
    }

    private static String kindOf(InferenceModel model, String layerName) {
        for (LayerSpec layer : model.spec().layers()) {
            if (layer instanceof RecurrentSpec r && r.name().equals(layerName)) {
                return kindOf(r.cell());
            }
        }
        return "RNN";
    }

    private static String kindOf(CellSpec cell) {
        if (cell instanceof StackedCellsSpec stacked) {
            return stacked.cells().stream().map(ModelLayout::kindOf).collect(Collectors.joining("+", "Stacked[", "]"));
        }
        if (cell instanceof LstmCellSpec) {
            return "LSTM";
        }
        if (cell instanceof GruCellSpec) {
            return "GRU";
        }
        if (cell instanceof SimpleRnnCellSpec) {
            return "SimpleRNN";
        }
        if (cell instanceof ConvLstm2dCellSpec) {
            return "ConvLSTM2D";
        }
        return cell.getClass().getSimpleName();
    }
}
