package io.flinkrnn.model.spec;

import java.util.List;

/** A fully connected recurrent cell: {@code h = activation(x·kernel + h·recurrentKernel + bias)}. */
public record SimpleRnnCellSpec(int units, Activation activation, Tensor kernel, Tensor recurrentKernel, Tensor bias)
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
        return "SimpleRNNCell";
    }
}
