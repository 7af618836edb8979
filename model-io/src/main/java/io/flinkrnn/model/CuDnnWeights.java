package io.flinkrnn.model;

import java.util.Arrays;
import java.util.List;

/**
 * Keras 2's {@code CuDNNLSTM}/{@code CuDNNGRU} store their weights the way cuDNN reads them. Per gate,
 * the input kernel's C-order values are cuDNN's {@code (units, input_dim)} matrix, the recurrent kernel
 * is transposed, and the bias holds the input and the recurrent bias one after the other. This folds
 * them into Keras's LSTM/GRU layout exactly as Keras 2's {@code _convert_rnn_weights} does when it loads
 * CuDNN weights into an LSTM or GRU: the LSTM bias becomes their sum, the GRU bias the {@code (2, 3 *
 * units)} of {@code reset_after=True}.
 */
final class CuDnnWeights {

    private CuDnnWeights() {}

    /**
     * @return the weights in Keras's layout, or {@code raw} unchanged when their shapes are not
     *     CuDNN's, so that the reader reports the shapes the file really has
     */
    static List<Weight> toKeras(List<Weight> raw, int gates, int inputDim, int units) {
        if (raw.size() != 3
                || !Arrays.equals(raw.get(0).shape(), new int[] {inputDim, gates * units})
                || !Arrays.equals(raw.get(1).shape(), new int[] {units, gates * units})
                || !Arrays.equals(raw.get(2).shape(), new int[] {2 * gates * units})) {
            return raw;
        }
        Weight k = raw.get(0);
        Weight r = raw.get(1);
        Weight b = raw.get(2);
        float[] kernel = new float[k.data().length];
        float[] recurrent = new float[r.data().length];
        int width = gates * units;
        for (int g = 0; g < gates; g++) {
            for (int a = 0; a < inputDim; a++) {
                for (int c = 0; c < units; c++) {
                    // cuDNN's matrix W (units x input_dim), row-major over this gate's stored block.
                    int flat = c * inputDim + a;
                    kernel[a * width + g * units + c] = k.data()[(flat / units) * width + g * units + flat % units];
                }
            }
            for (int a = 0; a < units; a++) {
                for (int c = 0; c < units; c++) {
                    recurrent[a * width + g * units + c] = r.data()[c * width + g * units + a];
                }
            }
        }
        Weight bias;
        if (gates == 4) {
            float[] sum = new float[width];
            for (int j = 0; j < width; j++) {
                sum[j] = b.data()[j] + b.data()[width + j];
            }
            bias = new Weight(b.path(), new int[] {width}, sum);
        } else {
            bias = new Weight(b.path(), new int[] {2, width}, b.data());
        }
        return List.of(new Weight(k.path(), k.shape(), kernel), new Weight(r.path(), r.shape(), recurrent), bias);
    }
}
