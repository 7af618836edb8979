package io.flinkrnn.model.spec;

/**
 * A tensor of a functional graph, Keras's {@code keras_history} without the node index (flink-rnn
 * calls every layer once): output {@code tensor} of layer {@code node} of {@link ModelSpec#layers()},
 * or, for a negative {@code node}, model input {@code -1 - node} ({@link #input(int)}). Tensor 0 is
 * a layer's output; a recurrent layer with {@code return_state=True} has its final states as
 * tensors 1, 2, ...
 */
public record TensorRef(int node, int tensor) {

    /** The model's (first) input. */
    public static final TensorRef INPUT = input(0);

    public TensorRef {
        if (tensor < 0 || node < 0 && tensor != 0) {
            throw new IllegalArgumentException("not a tensor reference: node " + node + ", tensor " + tensor);
        }
    }

    /** The output of layer {@code node}. */
    public static TensorRef of(int node) {
        return new TensorRef(node, 0);
    }

    /** Model input {@code index}, in the order of the model's inputs. */
    public static TensorRef input(int index) {
        return new TensorRef(-1 - index, 0);
    }

    public boolean isInput() {
        return node < 0;
    }

    /** Which model input this is; only for {@link #isInput()}. */
    public int inputIndex() {
        return -1 - node;
    }
}
