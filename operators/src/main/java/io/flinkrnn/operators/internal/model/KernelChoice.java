package io.flinkrnn.operators.internal.model;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.engine.Mode;
import io.flinkrnn.engine.ops.KernelProvider;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.operators.RnnOptions;
import java.util.Locale;
import java.util.Optional;
import org.apache.flink.annotation.Internal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RnnOptions#KERNEL} made a compiled model: the Java kernel, the ND4J one (found by name with
 * {@link KernelProvider}, so the operators never link ND4J), or for {@code auto} the faster of the
 * two on the model's own shapes at the bundle size, timed when the model is loaded.
 */
@Internal
public final class KernelChoice {

    private static final Logger LOG = LoggerFactory.getLogger(KernelChoice.class);

    private static final String ND4J = "nd4j";

    /** Time each kernel gets in auto's measurement; long enough for a stable best step. */
    private static final long MEASURE_NANOS = 20_000_000L;

    /** Steps each kernel runs at least, however slow: the best of several, not one cold step. */
    private static final int MIN_STEPS = 3;

    private KernelChoice() {}

    /** The client's check: {@code nd4j} needs its module on the classpath. */
    static void check(RnnOptions.Kernel kernel) {
        if (kernel == RnnOptions.Kernel.ND4J) {
            nd4j();
        }
    }

    /** {@code spec} compiled for {@code mode} on the kernel {@code kernel} names. */
    static InferenceModel compile(ModelSpec spec, Mode mode, RnnOptions.Kernel kernel, int bundle) {
        return switch (kernel) {
            case JAVA -> InferenceModel.compile(spec, mode);
            case ND4J -> InferenceModel.compile(spec, mode, nd4j().kernel());
            case AUTO -> KernelProvider.find(ND4J)
                    .map(p -> faster(spec, mode, p, bundle))
                    .orElseGet(() -> InferenceModel.compile(spec, mode));
        };
    }

    private static KernelProvider nd4j() {
        return KernelProvider.find(ND4J)
                .orElseThrow(() -> new IllegalArgumentException(
                        RnnOptions.KERNEL.key() + "=nd4j but flink-rnn-kernel-nd4j is not on the classpath"));
    }

    /**
     * Steps of {@code bundle} keys on each kernel, alternating so that both see the same load, and
     * the best step of each compared. A kernel that fails to compile the model (ND4J's natives missing
     * for this platform) leaves the Java one.
     */
    private static InferenceModel faster(ModelSpec spec, Mode mode, KernelProvider provider, int bundle) {
        InferenceModel java = InferenceModel.compile(spec, mode);
        Optional<InferenceModel> other = compileOrLog(spec, mode, provider);
        if (other.isEmpty()) {
            return java;
        }
        StepTimer javaTimer = new StepTimer(java, bundle);
        StepTimer otherTimer = new StepTimer(other.get(), bundle);
        while (javaTimer.steps < MIN_STEPS || javaTimer.spent < MEASURE_NANOS || otherTimer.spent < MEASURE_NANOS) {
            javaTimer.step();
            otherTimer.step();
        }
        boolean useOther = otherTimer.best < javaTimer.best;
        LOG.info(
                "{}=auto for {} ({}, {} keys per step): java {} us, {} {} us per step; using {}",
                RnnOptions.KERNEL.key(),
                spec.name(),
                java.mode(),
                bundle,
                micros(javaTimer.best),
                provider.name(),
                micros(otherTimer.best),
                useOther ? provider.name() : "java");
        return useOther ? other.get() : java;
    }

    private static Optional<InferenceModel> compileOrLog(ModelSpec spec, Mode mode, KernelProvider provider) {
        try {
            return Optional.of(InferenceModel.compile(spec, mode, provider.kernel()));
        } catch (RuntimeException | LinkageError e) {
            LOG.warn(
                    "{}=auto for {}: the {} kernel failed to load ({}); using java",
                    RnnOptions.KERNEL.key(),
                    spec.name(),
                    provider.name(),
                    e.toString());
            return Optional.empty();
        }
    }

    private static String micros(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e3);
    }

    /** One model stepping {@code bundle} keys of zero events (valid for every input, token ids too). */
    private static final class StepTimer {
        private final InferenceModel model;
        private final int rows;
        private final float[][] events;
        private final float[][] states;
        private final float[][] outputs;
        private final boolean[] emitted;
        long best = Long.MAX_VALUE;
        long spent;
        int steps;

        StepTimer(InferenceModel model, int rows) {
            this.model = model;
            this.rows = rows;
            this.events = new float[rows][model.inputSize()];
            this.states = new float[rows][];
            for (int r = 0; r < rows; r++) {
                states[r] = model.newState();
            }
            this.outputs = new float[rows][model.outputSize()];
            this.emitted = new boolean[rows];
            // Fill each key's window first, so that every timed step serves whole windows.
            for (int t = 0; t < model.mode().window(); t++) {
                model.step(rows, events, states, outputs, emitted);
            }
        }

        void step() {
            long start = System.nanoTime();
            model.step(rows, events, states, outputs, emitted);
            long took = System.nanoTime() - start;
            best = Math.min(best, took);
            spent += took;
            steps++;
        }
    }
}
