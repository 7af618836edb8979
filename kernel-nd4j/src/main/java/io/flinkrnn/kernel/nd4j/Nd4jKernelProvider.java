package io.flinkrnn.kernel.nd4j;

import io.flinkrnn.engine.ops.Kernel;
import io.flinkrnn.engine.ops.KernelProvider;

/**
 * Offers {@link Nd4jKernel} to the engine as {@code nd4j} ({@code flink-rnn.kernel=nd4j}). Loading
 * this class touches no ND4J class, so finding it costs nothing until a model is compiled with it.
 */
public final class Nd4jKernelProvider implements KernelProvider {

    /** The name {@code flink-rnn.kernel} selects this kernel by. */
    public static final String NAME = "nd4j";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Kernel kernel() {
        return new Nd4jKernel();
    }
}
