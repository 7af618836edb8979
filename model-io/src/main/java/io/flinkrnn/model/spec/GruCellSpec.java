package io.flinkrnn.model.spec;

import java.util.List;

/**
 * A GRU cell, gates in Keras's order z, r, h along the last axis: {@code kernel} {@code (input_dim,
 * 3 * units)}, {@code recurrentKernel} {@code (units, 3 * units)}. With {@code resetAfter} the
 * reset gate multiplies the recurrent projection after the matrix product and {@code bias} is
 * {@code (2, 3 * units)}: row 0 the input bias, row 1 the recurrent bias (CuDNNGRU's layout too).
 * Without it, {@code bias} is {@code (3 * units)}. {@code bias} is {@code null} when {@code
 * use_bias=False}.
 */
public record GruCellSpec(
        int units,
        Activation activation,
        Activation recurrentActivation,
        boolean resetAfter,
        Tensor kernel,
        Tensor recurrentKernel,
        Tensor bias)
        implements CellSpec {

    @Override
    public int outputSize() {
        return units;
    }

    @Override
    public List<Integer> stateSizes() {
        return List.of(units);
    }

    @Override
    public long paramCount() {
        return CellSpec.count(kernel, recurrentKernel, bias);
    }

    @Override
    public String cellClassName() {
        return "GRUCell";
    }
}
