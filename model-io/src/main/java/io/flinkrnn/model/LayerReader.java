package io.flinkrnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.model.spec.Activation;
import io.flinkrnn.model.spec.DenseSpec;
import io.flinkrnn.model.spec.DotSpec;
import io.flinkrnn.model.spec.EmbeddingSpec;
import io.flinkrnn.model.spec.FlattenSpec;
import io.flinkrnn.model.spec.LayerSpec;
import io.flinkrnn.model.spec.MaskingSpec;
import io.flinkrnn.model.spec.MergeSpec;
import io.flinkrnn.model.spec.RepeatVectorSpec;
import io.flinkrnn.model.spec.ReshapeSpec;
import io.flinkrnn.model.spec.Shape;
import io.flinkrnn.model.spec.Tensor;
import io.flinkrnn.model.spec.TimeDistributedSpec;
import java.util.List;

/**
 * Reads the layers that are not recurrent; {@link LayerRegistry} says which method reads which Keras
 * class. Recurrent layers are in {@link RecurrentReader}. Only layers that {@link LayerSupport}
 * accepted reach this class.
 */
final class LayerReader {

    private LayerReader() {}

    /**
     * A layer called on {@code inputs}: a merge layer on several, any other layer on one.
     *
     * @param first whether the layer reads the model's input (an Embedding must)
     */
    static LayerSpec read(LayerConfig layer, List<Shape> inputs, WeightCursor w, boolean first) {
        LayerRegistry.Read read = LayerRegistry.entry(layer).read();
        if (read == null) {
            throw layer.fail("is not supported");
        }
        return read.read(layer, inputs, w, first);
    }

    /**
     * Keras counts {@code Concatenate}'s axis over the whole tensor, batch axis included; flink-rnn
     * concatenates the features of one step, so the batch and time axes are refused.
     */
    static MergeSpec merge(LayerConfig layer, List<Shape> inputs) {
        Shape first = inputs.get(0);
        MergeSpec.Kind kind = MergeSpec.Kind.of(layer.className());
        if (kind != MergeSpec.Kind.CONCATENATE) {
            return new MergeSpec(layer.name(), kind, 0);
        }
        JsonNode axis = layer.get("axis");
        if (axis != null && !axis.isInt()) {
            throw layer.fail("config field 'axis' is " + axis + ", expected an integer");
        }
        int leading = first.sequence() ? 2 : 1;
        int rank = leading + first.features().length;
        int a = axis == null ? -1 : axis.asInt();
        int normalized = a < 0 ? a + rank : a;
        if (normalized < leading || normalized >= rank) {
            throw layer.fail("concatenates along axis " + a + " of " + first + "; flink-rnn concatenates along the"
                    + " feature axes of a step, not the batch or time axis");
        }
        return new MergeSpec(layer.name(), kind, normalized - leading);
    }

    /**
     * Keras counts {@code Dot}'s axes over the whole tensor, batch axis included. Of two vectors the
     * feature axis is the only one; any axis of a sequence joins every step of one input with every
     * step of the other, which is not cheap per event, so sequences are refused.
     */
    static DotSpec dot(LayerConfig layer, List<Shape> inputs) {
        if (inputs.size() != 2) {
            throw layer.fail("takes " + inputs.size() + " inputs, Keras's Dot takes exactly 2");
        }
        JsonNode axes = layer.require("axes");
        List<JsonNode> perInput = axes.isArray() ? List.of(axes.path(0), axes.path(1)) : List.of(axes, axes);
        for (int k = 0; k < 2; k++) {
            Shape in = inputs.get(k);
            JsonNode a = perInput.get(k);
            if (!a.isInt() || axes.isArray() && axes.size() != 2) {
                throw layer.fail("config field 'axes' is " + axes + ", expected an integer or a pair of integers");
            }
            int rank = (in.sequence() ? 2 : 1) + in.features().length;
            if (in.sequence() || rank != 2 || a.asInt() != 1 && a.asInt() != -1) {
                throw layer.fail("takes the dot product along axes " + axes + " of " + inputs.get(0) + " and "
                        + inputs.get(1) + "; flink-rnn runs Dot of two vectors along their feature axis (axes=1)");
            }
        }
        return new DotSpec(
                layer.name(),
                layer.bool("normalize", false),
                layer.number(ConfigNormalizer.DOT_MAX_INVERSE_NORM, Float.MAX_VALUE));
    }

    static TimeDistributedSpec timeDistributedDense(LayerConfig layer, Shape input, WeightCursor w) {
        requireSequence(layer, input);
        return new TimeDistributedSpec(layer.name(), dense(layer, Shape.single(input.features()), w));
    }

    static MaskingSpec masking(LayerConfig layer) {
        return new MaskingSpec(layer.name(), layer.number("mask_value", 0f));
    }

    static RepeatVectorSpec repeatVector(LayerConfig layer, Shape input) {
        if (input.sequence()) {
            throw layer.fail("needs a vector input, got the sequence " + input);
        }
        return new RepeatVectorSpec(layer.name(), layer.requireInt("n"));
    }

    static FlattenSpec flatten(LayerConfig layer) {
        return new FlattenSpec(layer.name());
    }

    static DenseSpec dense(LayerConfig layer, Shape input, WeightCursor w) {
        int units = layer.requireInt("units");
        Tensor kernel = w.next("kernel", input.lastDim(), units);
        Tensor bias = layer.bool("use_bias", true) ? w.next("bias", units) : null;
        return new DenseSpec(
                layer.name(), units, ActivationReader.field(layer, "activation", Activation.LINEAR), kernel, bias);
    }

    static TimeDistributedSpec timeDistributed(LayerConfig layer, Shape input, WeightCursor w) {
        requireSequence(layer, input);
        LayerSpec inner = read(layer.nested("layer"), List.of(Shape.single(input.features())), w, false);
        return new TimeDistributedSpec(layer.name(), inner);
    }

    static EmbeddingSpec embedding(LayerConfig layer, Shape input, WeightCursor w, boolean first) {
        if (!first) {
            throw layer.fail("an Embedding must be the model's first layer, where events carry token ids");
        }
        if (input.features().length != 0) {
            throw layer.fail("needs one token id per step, the input is " + input);
        }
        int inputDim = layer.requireInt("input_dim");
        int outputDim = layer.requireInt("output_dim");
        Tensor embeddings = w.next("embeddings", inputDim, outputDim);
        return new EmbeddingSpec(layer.name(), inputDim, outputDim, embeddings, layer.bool("mask_zero", false));
    }

    static ReshapeSpec reshape(LayerConfig layer) {
        JsonNode target = layer.require("target_shape");
        if (!target.isArray() || target.isEmpty()) {
            throw layer.fail("config field 'target_shape' is " + target + ", expected a list of sizes");
        }
        int[] dims = new int[target.size()];
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = target.get(i);
            if (!d.isInt() || d.asInt() == 0 || d.asInt() < -1) {
                throw layer.fail("config field 'target_shape' is " + target + ", expected positive sizes and at"
                        + " most one -1");
            }
            dims[i] = d.asInt();
        }
        return new ReshapeSpec(layer.name(), dims);
    }

    private static void requireSequence(LayerConfig layer, Shape input) {
        if (!input.sequence()) {
            throw layer.fail("needs a sequence input, got " + input);
        }
    }
}
