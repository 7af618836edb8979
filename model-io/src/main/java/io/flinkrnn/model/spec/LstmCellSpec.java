package io.flinkrnn.model.spec;

import java.util.List;

/**
 * An LSTM cell. Gates are laid out along the last axis in Keras's order i, f, c, o: {@code kernel}
 * is {@code (input_dim, 4 * units)}, {@code recurrentKernel} {@code (units, 4 * units)} and
 * {@code bias} {@code (4 * units)} or {@code null} when {@code use_bias=False}. Keras 1 per-gate
 * matrices and CuDNNLSTM's doubled bias are folded into this layout by model-io.
 */
public record LstmCellSpec(
        int units,
        Activation activation,
        Activation recurrentActivation,
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
        return List.of(units, units);
    }

    @Override
    public long paramCount() {
        return CellSpec.count(kernel, recurrentKernel, bias);
    }

    @Override
    public String cellClassName() {
        return "LSTMCell";
    }
}
