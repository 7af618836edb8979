package io.flinkrnn.model.spec;

/**
 * {@code Embedding}: an event carries one token id per step; {@code embeddings} is {@code
 * (input_dim, output_dim)}. With {@code maskZero} token 0 masks its step, as {@code Masking} does.
 */
public record EmbeddingSpec(String name, int inputDim, int outputDim, Tensor embeddings, boolean maskZero)
        implements LayerSpec {

    @Override
    public String className() {
        return "Embedding";
    }

    @Override
    public Shape outputShape(Shape input) {
        return input.sequence() ? Shape.sequence(input.timeSteps(), outputDim) : Shape.single(outputDim);
    }

    @Override
    public long paramCount() {
        return embeddings.data().length;
    }
}
