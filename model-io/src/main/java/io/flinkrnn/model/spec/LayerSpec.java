package io.flinkrnn.model.spec;

import java.util.List;

/**
 * One Keras layer, its config normalized across Keras 1, 2 and 3 (Keras 3 names: {@code units},
 * {@code recurrent_activation}, one kernel per layer rather than Keras 1's per-gate matrices) and its
 * weights as float32 tensors in Keras's layout.
 */
public sealed interface LayerSpec
        permits RecurrentSpec,
                BidirectionalSpec,
                DenseSpec,
                TimeDistributedSpec,
                ActivationSpec,
                IdentitySpec,
                MaskingSpec,
                EmbeddingSpec,
                RepeatVectorSpec,
                FlattenSpec,
                ReshapeSpec,
                MergeSpec,
                DotSpec {

    /** The layer's name in the file, as Keras prints it. */
    String name();

    /** The Keras class name this spec was read from, e.g. {@code LSTM} or {@code CuDNNGRU}. */
    String className();

    /** Keras's {@code compute_output_shape}, for summaries and for checking a chain of layers. */
    Shape outputShape(Shape input);

    /**
     * {@link #outputShape(Shape)} for a layer called on several tensors (a merge layer); every other
     * layer takes exactly one.
     */
    default Shape outputShape(List<Shape> inputs) {
        if (inputs.size() != 1) {
            throw new IllegalArgumentException(className() + " '" + name() + "' takes one input, got " + inputs.size());
        }
        return outputShape(inputs.get(0));
    }

    /** Keras's {@code count_params()}. */
    long paramCount();

    /**
     * Whether the layer acts on each step's features alone, so that {@code TimeDistributed} may wrap
     * it: {@code Dense}, activations and the layers that are the identity at inference.
     */
    default boolean perStep() {
        return false;
    }

    /**
     * Whether the output at step t depends only on steps up to t, so that the layer can run one event
     * at a time with carried state (docs/SEMANTICS.md section 2).
     */
    default boolean causal() {
        return true;
    }
}
