package io.flinkrnn.engine.cell;

import io.flinkrnn.engine.ops.Activations;
import io.flinkrnn.model.spec.Activation;

/**
 * The LSTM update shared by {@code LSTMCell} and {@code ConvLSTMCell}: given the pre-activations
 * {@code z = x·W + h·U} of gates i, f, c, o for {@code rows} vectors of {@code units}, and the bias
 * b, {@code c' = f*c + i*act(z_c + b_c)}, {@code h' = o*act(c')}. A ConvLSTM's vectors are the pixels
 * of its feature maps.
 *
 * <p>The fused update ({@link Activations#lstm}) for Keras's default activations takes all rows at
 * once, which the caller keeps few enough for their z to stay in L1 from the product that wrote
 * it; the general path below takes any other pair row by row.
 */
final class LstmGates {

    static final int GATES = 4;

    private LstmGates() {}

    /**
     * Consumes {@code z} ({@code [rows, 4 * units]}) and overwrites {@code h} and {@code c}, laid out
     * {@code [rows, units]} from {@code hOffset} and {@code cOffset}.
     *
     * @param bias {@code 4 * units} values added to z (Keras adds it after both products), or {@code
     *     null} when z already holds it or the layer has none
     */
    static void update(
            Activation activation,
            Activation recurrentActivation,
            float[] z,
            float[] bias,
            int rows,
            int units,
            float[] h,
            int hOffset,
            float[] c,
            int cOffset) {
        if (Activations.lstm(activation, recurrentActivation, z, 0, rows, bias, units, c, cOffset, h, hOffset)) {
            return;
        }
        int n = GATES * units;
        for (int r = 0; r < rows; r++) {
            general(
                    activation,
                    recurrentActivation,
                    z,
                    r * n,
                    bias,
                    units,
                    h,
                    hOffset + r * units,
                    c,
                    cOffset + r * units);
        }
    }

    /** One row, one activation at a time over each gate's slice. */
    private static void general(
            Activation activation,
            Activation recurrentActivation,
            float[] z,
            int zi,
            float[] bias,
            int units,
            float[] h,
            int hs,
            float[] c,
            int cs) {
        int zf = zi + units;
        int zc = zf + units;
        int zo = zc + units;
        if (bias != null) {
            for (int g = 0; g < GATES * units; g += units) {
                for (int j = 0; j < units; j++) {
                    z[zi + g + j] += bias[g + j];
                }
            }
        }
        Activations.apply(recurrentActivation, z, zi, 1, units);
        Activations.apply(recurrentActivation, z, zf, 1, units);
        Activations.apply(activation, z, zc, 1, units);
        Activations.apply(recurrentActivation, z, zo, 1, units);
        for (int j = 0; j < units; j++) {
            float cNew = z[zf + j] * c[cs + j] + z[zi + j] * z[zc + j];
            c[cs + j] = cNew;
            z[zc + j] = cNew; // the c gate is consumed; reuse its slot for act(c')
        }
        Activations.apply(activation, z, zc, 1, units);
        for (int j = 0; j < units; j++) {
            h[hs + j] = z[zo + j] * z[zc + j];
        }
    }
}
