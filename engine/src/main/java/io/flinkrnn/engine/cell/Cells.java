package io.flinkrnn.engine.cell;

import io.flinkrnn.engine.ops.Kernel;
import io.flinkrnn.model.spec.CellSpec;
import io.flinkrnn.model.spec.ConvLstm2dCellSpec;
import io.flinkrnn.model.spec.GruCellSpec;
import io.flinkrnn.model.spec.LstmCellSpec;
import io.flinkrnn.model.spec.SimpleRnnCellSpec;
import io.flinkrnn.model.spec.StackedCellsSpec;

/** Builds the runtime cell for a cell spec. */
public final class Cells {

    private Cells() {}

    public static Cell of(CellSpec spec, Kernel kernel) {
        if (spec instanceof LstmCellSpec lstm) {
            return new LstmCell(lstm, kernel);
        }
        if (spec instanceof GruCellSpec gru) {
            return new GruCell(gru, kernel);
        }
        if (spec instanceof ConvLstm2dCellSpec conv) {
            return new ConvLstm2dCell(conv, kernel);
        }
        if (spec instanceof SimpleRnnCellSpec simple) {
            return new SimpleRnnCell(simple, kernel);
        }
        StackedCellsSpec stacked = (StackedCellsSpec) spec;
        return new StackedCells(stacked.cells().stream().map(c -> of(c, kernel)).toList());
    }
}
