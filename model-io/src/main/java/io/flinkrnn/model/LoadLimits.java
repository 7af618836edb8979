package io.flinkrnn.model;

import java.io.Serializable;

/**
 * Bounds on what a model file may make the loader allocate. Every size or count that a file
 * declares (a dataset's element count, a zip entry's size, a config's length, nesting depth and
 * layer count) is checked against these before memory is reserved for it, so a hostile or damaged
 * file fails with a {@link ModelLoadException} naming the limit instead of exhausting the heap.
 * The defaults hold every Keras recurrent model flink-rnn can serve with room to spare. A job takes
 * them from {@code flink-rnn.model.limits.*} options; it carries them with its model source.
 *
 * @param maxFileBytes an HDF5 file ({@code .h5}, weights) or a {@code .keras} archive, and the
 *     archive's {@code model.weights.h5} entry: all are read into memory whole
 * @param maxConfigBytes a JSON config: the {@code .json} file, the {@code .keras} archive's {@code
 *     config.json} and {@code metadata.json}, the {@code model_config} attribute of an {@code .h5}
 * @param maxJsonDepth nesting of JSON arrays and objects in a config
 * @param maxLayers entries in the model's list of layers
 * @param maxTensorElements values in one weight, and in one sample of the model's input or of any
 *     layer's output (all its fixed time steps)
 */
public record LoadLimits(
        long maxFileBytes, long maxConfigBytes, int maxJsonDepth, int maxLayers, long maxTensorElements)
        implements Serializable {

    /** 1 GiB per file, 16 MiB per config, depth 100, 1,000 layers, 2^28 values per weight. */
    public static final LoadLimits DEFAULTS = new LoadLimits(1L << 30, 16L << 20, 100, 1_000, 1L << 28);

    public LoadLimits {
        // A byte[] and jhdf's in-memory file both index with int: nothing larger can be read whole.
        positive("maxFileBytes", maxFileBytes, Integer.MAX_VALUE - 8);
        positive("maxConfigBytes", maxConfigBytes, Integer.MAX_VALUE - 8);
        positive("maxJsonDepth", maxJsonDepth, 10_000);
        positive("maxLayers", maxLayers, Integer.MAX_VALUE);
        positive("maxTensorElements", maxTensorElements, Integer.MAX_VALUE - 8);
    }

    public LoadLimits withMaxFileBytes(long bytes) {
        return new LoadLimits(bytes, maxConfigBytes, maxJsonDepth, maxLayers, maxTensorElements);
    }

    public LoadLimits withMaxConfigBytes(long bytes) {
        return new LoadLimits(maxFileBytes, bytes, maxJsonDepth, maxLayers, maxTensorElements);
    }

    public LoadLimits withMaxJsonDepth(int depth) {
        return new LoadLimits(maxFileBytes, maxConfigBytes, depth, maxLayers, maxTensorElements);
    }

    public LoadLimits withMaxLayers(int layers) {
        return new LoadLimits(maxFileBytes, maxConfigBytes, maxJsonDepth, layers, maxTensorElements);
    }

    public LoadLimits withMaxTensorElements(long elements) {
        return new LoadLimits(maxFileBytes, maxConfigBytes, maxJsonDepth, maxLayers, elements);
    }

    /** How a message names an exceeded limit, e.g. {@code the limit maxLayers (1000)}. */
    static String limit(String name, long value) {
        return "the limit " + name + " (" + value + ")";
    }

    private static void positive(String name, long value, long max) {
        if (value <= 0 || value > max) {
            throw new IllegalArgumentException(name + " must be between 1 and " + max + ", got " + value);
        }
    }
}
