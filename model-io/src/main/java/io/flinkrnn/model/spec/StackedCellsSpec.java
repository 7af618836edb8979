package io.flinkrnn.model.spec;

import java.util.List;

/**
 * Keras's {@code StackedRNNCells}: each cell feeds its output to the next within one step; the
 * states are the cells' states concatenated in order.
 */
public record StackedCellsSpec(List<CellSpec> cells) implements CellSpec {

    public StackedCellsSpec {
        cells = List.copyOf(cells);
    }

    @Override
    public int outputSize() {
        return cells.get(cells.size() - 1).outputSize();
    }

    @Override
    public List<Integer> stateSizes() {
        return cells.stream().flatMap(c -> c.stateSizes().stream()).toList();
    }

    @Override
    public long paramCount() {
        return cells.stream().mapToLong(CellSpec::paramCount).sum();
    }

    @Override
    public String cellClassName() {
        return "StackedRNNCells";
    }
}
