package io.flinkrnn.model.spec;

/**
 * A tensor of a functional graph, Keras's {@code keras_history} without the node index (flink-rnn
 * calls every layer once): output {@code tensor} of layer {@code node} of {@link ModelSpec#layers()},
 * or the model's input when {@code node} is {@link #INPUT_NODE}. Tensor 0 is a layer's output; a
 * recurrent layer with {@code return_state=True} has its final states as tensors 1, 2, ...
 */
public record TensorRef(int node, int tensor) {

    public static final int INPUT_NODE = -1;

    /** The model's input. */
    public static final TensorRef INPUT = new TensorRef(INPUT_NODE, 0);

    public TensorRef {
        if (node < INPUT_NODE || tensor < 0 || node == INPUT_NODE && tensor != 0) {
            throw new IllegalArgumentException("not a tensor reference: node " + node + ", tensor " + tensor);
        }
    }

    /** The output of layer {@code node}. */
    public static TensorRef of(int node) {
        return new TensorRef(node, 0);
    }

    public boolean isInput() {
        return node == INPUT_NODE;
    }
}
