package io.flinkrnn.model.spec;

/**
 * {@code Masking}: a step whose features all equal {@code maskValue} is skipped by the recurrent
 * layers after it, which keep their states and repeat their previous output.
 */
public record MaskingSpec(String name, float maskValue) implements LayerSpec {

    @Override
    public String className() {
        return "Masking";
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public long paramCount() {
        return 0;
    }
}
