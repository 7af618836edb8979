package io.flinkrnn.engine.cell;

import io.flinkrnn.engine.ops.Activations;
import io.flinkrnn.model.spec.Activation;

/**
 * The LSTM update shared by {@code LSTMCell} and {@code ConvLSTMCell}: given the pre-activations
 * {@code z = x·W + h·U + b} of gates i, f, c, o for {@code rows} vectors of {@code units}, {@code c' =
 * f*c + i*act(z_c)}, {@code h' = o*act(c')}. A ConvLSTM's vectors are the pixels of its feature maps.
 */
final class LstmGates {

    static final int GATES = 4;

    private LstmGates() {}

    /**
     * Consumes {@code z} ({@code [rows, 4 * units]}) and overwrites {@code h} and {@code c}, laid out
     * {@code [rows, units]} from {@code hOffset} and {@code cOffset}.
     */
    static void update(
            Activation activation,
            Activation recurrentActivation,
            float[] z,
            int rows,
            int units,
            float[] h,
            int hOffset,
            float[] c,
            int cOffset) {
        int n = GATES * units;
        Gates.activate(recurrentActivation, z, rows, GATES, units, 0, 2);
        Gates.activate(activation, z, rows, GATES, units, 2, 1);
        Gates.activate(recurrentActivation, z, rows, GATES, units, 3, 1);
        for (int r = 0; r < rows; r++) {
            int zi = r * n;
            int zf = zi + units;
            int zc = zf + units;
            int zo = zc + units;
            int hs = hOffset + r * units;
            int cs = cOffset + r * units;
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
}
