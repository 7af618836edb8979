package io.flinkrnn.model.spec;

/**
 * {@code Dense}: {@code activation(x·kernel + bias)} over the last axis; {@code kernel} is {@code
 * (input_dim, units)}, {@code bias} {@code (units)} or {@code null}.
 */
public record DenseSpec(String name, int units, Activation activation, Tensor kernel, Tensor bias)
        implements LayerSpec {

    @Override
    public String className() {
        return "Dense";
    }

    @Override
    public Shape outputShape(Shape input) {
        int[] f = input.features();
        f[f.length - 1] = units;
        return input.withFeatures(f);
    }

    @Override
    public long paramCount() {
        return CellSpec.count(kernel, bias);
    }

    @Override
    public boolean perStep() {
        return true;
    }
}
