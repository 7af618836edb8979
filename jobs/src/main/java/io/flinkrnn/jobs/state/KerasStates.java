package io.flinkrnn.jobs.state;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.engine.StateLayout;
import io.flinkrnn.model.spec.CellSpec;
import io.flinkrnn.model.spec.ConvLstm2dCellSpec;
import io.flinkrnn.model.spec.LayerSpec;
import io.flinkrnn.model.spec.LstmCellSpec;
import io.flinkrnn.model.spec.RecurrentSpec;
import io.flinkrnn.model.spec.StackedCellsSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The recurrent states a key carries, named as Keras names them: per recurrent layer (its index
 * among the model's {@code RNN} layers and its Keras name) the layer's {@code states} in Keras's
 * order, {@code h} then {@code c} for an LSTM or ConvLSTM2D, {@code h} for a GRU or SimpleRNN, and
 * for {@code StackedRNNCells} each cell's in turn ({@code cells[1].c}). These are the arrays
 * {@code layer.states} holds for the key's batch row in a stateful Keras model.
 */
public final class KerasStates {

    /**
     * One state of one layer for every key.
     *
     * @param index the state's place in the layer's {@code states}
     * @param units the state's width, {@code units} for a vector cell, {@code filters × rows × cols}
     *     for a ConvLSTM2D feature map
     */
    public record KerasState(int layer, String layerName, int index, String name, int units, int offset) {

        /** This state's floats in a key's flat values. */
        public float[] of(float[] values) {
            return Arrays.copyOfRange(values, offset, offset + units);
        }

        /** {@code layerName/name}, e.g. {@code lstm/c}. */
        public String label() {
            return layerName + "/" + name;
        }
    }

    private KerasStates() {}

    /** The named states of {@code model}, in the order of its state layout. */
    public static List<KerasState> of(InferenceModel model) {
        List<KerasState> states = new ArrayList<>();
        for (StateLayout.Slot slot : model.stateLayout().states()) {
            List<String> names = names(model, slot.layerName());
            String name = slot.state() < names.size() ? names.get(slot.state()) : "state" + slot.state();
            states.add(new KerasState(slot.layer(), slot.layerName(), slot.state(), name, slot.size(), slot.offset()));
        }
        return List.copyOf(states);
    }

    private static List<String> names(InferenceModel model, String layerName) {
        for (LayerSpec layer : model.spec().layers()) {
            if (layer instanceof RecurrentSpec r && r.name().equals(layerName)) {
                return names(r.cell(), "");
            }
        }
        return List.of();
    }

    private static List<String> names(CellSpec cell, String prefix) {
        if (cell instanceof StackedCellsSpec stacked) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < stacked.cells().size(); i++) {
                names.addAll(names(stacked.cells().get(i), prefix + "cells[" + i + "]."));
            }
            return names;
        }
        return cell instanceof LstmCellSpec || cell instanceof ConvLstm2dCellSpec
                ? List.of(prefix + "h", prefix + "c")
                : List.of(prefix + "h");
    }
}
