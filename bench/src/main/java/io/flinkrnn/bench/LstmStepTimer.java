package io.flinkrnn.bench;

import io.flinkrnn.engine.cell.LstmCell;
import io.flinkrnn.engine.ops.JavaKernel;
import io.flinkrnn.engine.ops.Kernel;
import io.flinkrnn.model.spec.Activation;
import io.flinkrnn.model.spec.LstmCellSpec;
import io.flinkrnn.model.spec.Tensor;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;

/**
 * One LSTM cell step of {@code units} on {@code batch} keys (input width = units), timed in the
 * calling thread's CPU time. It uses only the engine's and model-io's API, which has not changed
 * since the first release, so {@link IsolatedBuild} can load this class's bytes against an older build's
 * jars and time that build in the same JVM.
 */
public final class LstmStepTimer {

    private final LstmCell cell;
    private final int units;
    private final int batch;
    private final float[] x;
    private final float[][] states;
    private final float[] y;

    public LstmStepTimer(int units, int batch) {
        this(units, batch, JavaKernel.INSTANCE);
    }

    LstmStepTimer(int units, int batch, Kernel kernel) {
        this.units = units;
        this.batch = batch;
        Random random = new Random(units * 31L + batch);
        cell = new LstmCell(
                new LstmCellSpec(
                        units,
                        Activation.TANH,
                        Activation.SIGMOID,
                        tensor(random, units, 4 * units),
                        tensor(random, units, 4 * units),
                        tensor(random, 4 * units)),
                kernel);
        x = tensor(random, batch, units).data();
        states = new float[][] {new float[batch * units], new float[batch * units]};
        y = new float[batch * units];
    }

    /** FLOPs of one step's product: {@code 2 * B * 2u * 4u} (gate activations not counted). */
    public double flopsPerStep() {
        return 2.0 * batch * (2.0 * units) * (4.0 * units);
    }

    public void step() {
        cell.step(batch, x, 0, units, states, y, 0, units);
    }

    /**
     * GFLOP/s over about {@code seconds} of this thread's CPU time: CPU time, not wall time, so
     * that the rounds of two builds timed in turn are not told apart by what else the host runs.
     */
    public double gflops(double seconds) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadCpuTime();
        long budget = (long) (seconds * 1e9);
        long steps = 0;
        long used;
        do {
            for (int i = 0; i < 16; i++) {
                step();
            }
            steps += 16;
            used = threads.getCurrentThreadCpuTime() - start;
        } while (used < budget);
        return steps * flopsPerStep() / used;
    }

    private static Tensor tensor(Random random, int... shape) {
        float[] data = new float[Math.toIntExact(Tensor.size(shape))];
        for (int i = 0; i < data.length; i++) {
            data[i] = (random.nextFloat() - 0.5f) * 0.2f;
        }
        return new Tensor(shape, data);
    }
}
