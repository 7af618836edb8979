package io.flinkrnn.engine.ops;

/** Scratch arrays that grow to the largest batch seen and are then reused, so steps do not allocate. */
public final class Buffers {

    private Buffers() {}

    /** {@code buffer} if it holds {@code size} floats, else a new array that does. */
    public static float[] ensure(float[] buffer, int size) {
        return buffer.length >= size ? buffer : new float[Math.max(size, buffer.length * 2)];
    }

    public static boolean[] ensure(boolean[] buffer, int size) {
        return buffer.length >= size ? buffer : new boolean[Math.max(size, buffer.length * 2)];
    }
}
