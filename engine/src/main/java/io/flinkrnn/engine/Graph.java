package io.flinkrnn.engine;

import io.flinkrnn.engine.layer.Batch;
import io.flinkrnn.engine.layer.Rnn;
import io.flinkrnn.model.spec.TensorRef;
import java.util.List;

/**
 * A model's compiled layers and the tensors they pass (docs/SEMANTICS.md section 11): every call
 * runs each layer once, in topological order, for the whole batch of keys, as Keras's functional
 * {@code call} does. A chain is the graph where each layer reads the one before. Several outputs
 * are served as one row per key: each output's floats in C order, one output after another in the
 * model's output order.
 */
final class Graph {

    /** One layer's call on its positional inputs and, for a recurrent layer, its initial states (or null). */
    @FunctionalInterface
    interface Call {
        Batch apply(Batch[] inputs, Batch[] initialState);
    }

    /**
     * @param rnn the recurrent layer whose final states are this node's outputs 1, 2, ...; null for
     *     other layers
     */
    record Node(Call call, Rnn rnn, TensorRef[] inputs, TensorRef[] initialState) {}

    private final List<Node> nodes;
    private final TensorRef[] served;
    private final Batch joined = new Batch();
    private final Batch[] outputs;
    private final Batch[][] args;
    private final Batch[][] initial;

    Graph(List<Node> nodes, List<TensorRef> served) {
        this.nodes = List.copyOf(nodes);
        this.served = served.toArray(TensorRef[]::new);
        this.outputs = new Batch[nodes.size()];
        this.args = new Batch[nodes.size()][];
        this.initial = new Batch[nodes.size()][];
        for (int i = 0; i < nodes.size(); i++) {
            args[i] = new Batch[nodes.get(i).inputs().length];
            initial[i] = new Batch[nodes.get(i).initialState().length];
        }
    }

    /** Runs every layer on the model's inputs; the result stays valid until the next run. */
    Batch run(Batch[] input) {
        for (int i = 0; i < nodes.size(); i++) {
            Node node = nodes.get(i);
            for (int j = 0; j < args[i].length; j++) {
                args[i][j] = tensor(node.inputs()[j], input);
            }
            for (int j = 0; j < initial[i].length; j++) {
                initial[i][j] = tensor(node.initialState()[j], input);
            }
            outputs[i] = node.call().apply(args[i], initial[i].length == 0 ? null : initial[i]);
        }
        if (served.length == 1) {
            return tensor(served[0], input);
        }
        return join(input);
    }

    /** The served outputs side by side, row by row; no output carries a mask past this point. */
    private Batch join(Batch[] input) {
        int width = 0;
        for (TensorRef ref : served) {
            width += tensor(ref, input).rowSize();
        }
        int rows = tensor(served[0], input).rows();
        joined.resize(rows, 1, width);
        for (int offset = 0, k = 0; k < served.length; k++) {
            Batch y = tensor(served[k], input);
            int size = y.rowSize();
            for (int r = 0; r < rows; r++) {
                System.arraycopy(y.data(), r * size, joined.data(), r * width + offset, size);
            }
            offset += size;
        }
        return joined;
    }

    private Batch tensor(TensorRef ref, Batch[] input) {
        if (ref.isInput()) {
            return input[ref.inputIndex()];
        }
        if (ref.tensor() == 0) {
            return outputs[ref.node()];
        }
        return nodes.get(ref.node()).rnn().state(ref.tensor() - 1);
    }
}
