package io.flinkrnn.model.spec;

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
                ReshapeSpec {

    /** The layer's name in the file, as Keras prints it. */
    String name();

    /** The Keras class name this spec was read from, e.g. {@code LSTM} or {@code CuDNNGRU}. */
    String className();

    /** Keras's {@code compute_output_shape}, for summaries and for checking a chain of layers. */
    Shape outputShape(Shape input);

    /** Keras's {@code count_params()}. */
    long paramCount();

    /**
     * Whether the output at step t depends only on steps up to t, so that the layer can run one event
     * at a time with carried state (docs/SEMANTICS.md section 2).
     */
    default boolean causal() {
        return true;
    }
}
