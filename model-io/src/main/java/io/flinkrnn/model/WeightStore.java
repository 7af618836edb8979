package io.flinkrnn.model;

import java.util.List;
import java.util.Optional;

/** Where the weights of a model's layers come from: a legacy HDF5 layout or Keras 3's. */
interface WeightStore {

    /**
     * The weights of one top-level layer in Keras's order, or empty when the file has no entry for
     * the layer at all.
     */
    Optional<List<Weight>> of(LayerConfig layer);

    /** For the message when a layer has no entry: what the file does have. */
    String contents();
}
