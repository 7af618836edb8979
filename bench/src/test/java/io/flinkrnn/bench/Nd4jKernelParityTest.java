package io.flinkrnn.bench;

import io.flinkrnn.engine.KerasParityTest;
import io.flinkrnn.engine.ops.Kernel;

/**
 * The ND4J kernel passes the same Keras parity test as the engine's own kernel, fixture by fixture.
 * It stays in the bench module (its natives never reach a TaskManager); BENCHMARKS.md says where it
 * would be faster.
 */
class Nd4jKernelParityTest extends KerasParityTest {

    @Override
    protected Kernel kernel() {
        return new Nd4jKernel();
    }
}
