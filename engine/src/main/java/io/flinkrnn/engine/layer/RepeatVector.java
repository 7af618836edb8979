package io.flinkrnn.engine.layer;

/** Keras's {@code RepeatVector(n)}: one vector per row becomes a sequence of n copies, a decoder's input. */
public final class RepeatVector implements Layer {

    private final int n;
    private final Batch out = new Batch();

    public RepeatVector(int n) {
        this.n = n;
    }

    @Override
    public Batch forward(Batch in) {
        int width = in.rowSize();
        out.resize(in.rows(), n, width);
        for (int r = 0; r < in.rows(); r++) {
            for (int t = 0; t < n; t++) {
                System.arraycopy(in.data(), r * width, out.data(), out.offset(r, t), width);
            }
        }
        return out;
    }
}
