package io.flinkrnn.model.spec;

/**
 * A recurrent layer: {@code LSTM}, {@code GRU}, {@code SimpleRNN}, {@code RNN(cell)}, or Keras 2's
 * {@code CuDNNLSTM}/{@code CuDNNGRU}, or {@code ConvLSTM2D}, all reduced to a cell looped over time.
 */
public record RecurrentSpec(
        String name,
        String className,
        CellSpec cell,
        boolean returnSequences,
        boolean returnState,
        boolean goBackwards,
        boolean stateful)
        implements LayerSpec {

    @Override
    public Shape outputShape(Shape input) {
        int[] features = cell.outputFeatures();
        return returnSequences ? Shape.sequence(input.timeSteps(), features) : Shape.single(features);
    }

    /**
     * The shape of state {@code index} as {@code return_state=True} returns it, output tensor {@code
     * index + 1} of the layer: a vector, or a feature map for {@code ConvLSTM2D}.
     */
    public Shape stateShape(int index) {
        return cell instanceof ConvLstm2dCellSpec
                ? Shape.single(cell.outputFeatures())
                : Shape.single(cell.stateSizes().get(index));
    }

    /**
     * Keras's count. A CuDNNLSTM file holds an input and a recurrent bias ({@code 8 * units}), which
     * model-io folds into the LSTM cell's one bias; Keras counts both.
     */
    @Override
    public long paramCount() {
        return className.equals("CuDNNLSTM") ? cell.paramCount() + 4L * cell.outputSize() : cell.paramCount();
    }

    /** Reading a sequence from its end needs the whole sequence: window mode only. */
    @Override
    public boolean causal() {
        return !goBackwards;
    }
}
