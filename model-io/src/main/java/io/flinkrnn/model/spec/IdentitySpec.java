package io.flinkrnn.model.spec;

/**
 * A layer that is the identity at inference: {@code Dropout}, {@code SpatialDropout1D}, {@code
 * GaussianNoise}, {@code GaussianDropout}, {@code AlphaDropout}.
 */
public record IdentitySpec(String name, String className) implements LayerSpec {

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public long paramCount() {
        return 0;
    }

    @Override
    public boolean perStep() {
        return true;
    }
}
