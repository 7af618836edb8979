package io.flinkrnn.engine.layer;

/**
 * Keras's {@code Reshape} and {@code Flatten}: the same floats in C order read as {@code [steps,
 * width]}, time axis included, so no data moves. Keras drops the mask here.
 */
public final class Reshape implements Layer {

    private final int steps;
    private final int width;
    private final Batch out = new Batch();

    /** @param steps the new time axis, 1 when the result is not a sequence */
    public Reshape(int steps, int width) {
        this.steps = steps;
        this.width = width;
    }

    @Override
    public Batch forward(Batch in) {
        return out.view(in, steps, width);
    }
}
