package io.flinkrnn.model.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Keras model as flink-rnn runs it: a chain of layers from one input to one output, with
 * normalized configs and float32 weights. Immutable; built by {@code KerasModels.load}.
 *
 * @param source the file(s) it was read from, for messages
 * @param input the model's input shape without the batch axis; {@code timeSteps} is the fixed
 *     input length ({@code look_back}) when the model has one
 * @param inputIsTokens whether events carry integer token ids (the model starts with an
 *     Embedding)
 * @param batchSize the batch size fixed in the config ({@code batch_input_shape}), if any
 */
public record ModelSpec(
        String name,
        String source,
        KerasVersion kerasVersion,
        Shape input,
        boolean inputIsTokens,
        Optional<Integer> batchSize,
        List<LayerSpec> layers) {

    public ModelSpec {
        layers = List.copyOf(layers);
        if (!input.sequence()) {
            throw new IllegalArgumentException("a recurrent model's input is a sequence, got " + input);
        }
    }

    /** Number of floats in one event (docs/SEMANTICS.md section 6). */
    public int features() {
        return input.stepSize();
    }

    /** Output shapes after each layer, in order. */
    public List<Shape> outputShapes() {
        List<Shape> shapes = new ArrayList<>(layers.size());
        Shape s = input;
        for (LayerSpec layer : layers) {
            s = layer.outputShape(s);
            shapes.add(s);
        }
        return shapes;
    }

    public Shape outputShape() {
        List<Shape> shapes = outputShapes();
        return shapes.isEmpty() ? input : shapes.get(shapes.size() - 1);
    }

    public long paramCount() {
        return layers.stream().mapToLong(LayerSpec::paramCount).sum();
    }

    /** Whether any recurrent layer was saved with {@code stateful=True}. */
    public boolean statefulInConfig() {
        return layers.stream().anyMatch(l -> l instanceof RecurrentSpec r && r.stateful());
    }

    /** The first layer that cannot run one event at a time, if any. */
    public Optional<LayerSpec> firstNonCausalLayer() {
        return layers.stream().filter(l -> !l.causal()).findFirst();
    }

    /** A table like Keras's {@code model.summary()}. */
    public String summary() {
        return ModelSummary.render(this);
    }
}
