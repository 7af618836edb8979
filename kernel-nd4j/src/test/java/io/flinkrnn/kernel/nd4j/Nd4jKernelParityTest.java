package io.flinkrnn.kernel.nd4j;

import io.flinkrnn.engine.KerasParityTest;
import io.flinkrnn.engine.ops.Kernel;

/**
 * The ND4J kernel passes the same Keras parity test as the engine's own kernel, fixture by fixture.
 * BENCHMARKS.md says where it is faster.
 */
class Nd4jKernelParityTest extends KerasParityTest {

    @Override
    protected Kernel kernel() {
        return new Nd4jKernel();
    }
}
