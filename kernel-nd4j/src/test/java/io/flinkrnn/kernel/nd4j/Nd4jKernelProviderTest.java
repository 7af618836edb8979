package io.flinkrnn.kernel.nd4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.engine.ops.KernelProvider;
import org.junit.jupiter.api.Test;

/** The module's jar lists its provider, so the engine finds the kernel by name alone. */
class Nd4jKernelProviderTest {

    @Test
    void serviceLoaderFindsTheNd4jKernelByName() {
        assertThat(KernelProvider.find("nd4j")).hasValueSatisfying(p -> {
            assertThat(p).isInstanceOf(Nd4jKernelProvider.class);
            assertThat(p.kernel()).isInstanceOf(Nd4jKernel.class);
        });
        assertThat(KernelProvider.find("cuda")).isEmpty();
    }
}
