package io.flinkrnn.engine.ops;

import java.util.Optional;
import java.util.ServiceLoader;

/**
 * A {@link Kernel} that lives outside the engine, found with {@link ServiceLoader}: a module such as
 * {@code flink-rnn-kernel-nd4j} lists its provider in {@code
 * META-INF/services/io.flinkrnn.engine.ops.KernelProvider}, so the engine and the operators select it
 * by name without a compile-time dependency on its (large, native) libraries.
 */
public interface KernelProvider {

    /** The name users select the kernel by, e.g. {@code nd4j}. */
    String name();

    /** A kernel; one per compiled model, which keeps the weights it packs. */
    Kernel kernel();

    /**
     * The provider named {@code name} on the current thread's context class loader (in Flink, the
     * job's user-code class loader), or empty when no jar on it provides one.
     */
    static Optional<KernelProvider> find(String name) {
        for (KernelProvider provider : ServiceLoader.load(KernelProvider.class)) {
            if (provider.name().equals(name)) {
                return Optional.of(provider);
            }
        }
        return Optional.empty();
    }
}
