package io.flinkrnn.bench;

import io.flinkrnn.engine.InferenceModel;
import java.util.Arrays;

/**
 * The engine on two cores, as a Flink job at parallelism 2 runs it: each call's keys split in two
 * halves, each half stepped by its own thread with its own compiled {@link InferenceModel} (a model's
 * scratch buffers serve one thread). The calling thread steps the first half and a helper thread the
 * second; a call returns when both are done.
 *
 * <p>That hand-off is the one cost a real job does not pay, and it is timed with the rest. It is a
 * spin on two volatile counters, a couple of cache-line transfers per call, because parking and
 * unparking a thread would cost tens of microseconds, as long as a whole step of a small batch. A
 * wait longer than a few microseconds also yields, so that a third runnable thread (a JIT compiler,
 * the GC) does not leave one of the two cores spinning for a whole time slice. The helper spins for
 * as long as this is open, so open it only around the timing.
 */
final class TwoThreadEngine implements AutoCloseable {

    /** Spin-wait iterations (a pause instruction each) before a wait starts yielding too. */
    private static final int SPINS = 1024;

    private final Half first;
    private final Half second;
    private final Thread helper;
    private volatile int started;
    private volatile int finished;
    private volatile boolean closed;
    private volatile Throwable failure;

    /**
     * Steps rows {@code [0, rows)} of the given arrays per call, the first {@code rows / 2} on the
     * calling thread, each half with its own copy of {@code model} compiled for the same mode.
     */
    TwoThreadEngine(InferenceModel model, int rows, float[][] events, float[][] states, float[][] outputs) {
        if (rows < 2) {
            throw new IllegalArgumentException("two threads need at least two keys per call, got " + rows);
        }
        int split = rows / 2;
        this.first = new Half(model, 0, split, events, states, outputs);
        this.second = new Half(model, split, rows, events, states, outputs);
        this.helper = new Thread(this::serve, "engine second half");
        helper.setDaemon(true);
        helper.start();
    }

    /** One call: both halves stepped once. */
    void step() {
        int call = started + 1;
        started = call;
        first.step();
        for (int spins = 0; finished != call; spins++) {
            pause(spins);
        }
        if (failure != null) {
            throw new IllegalStateException("the second thread failed", failure);
        }
    }

    private void serve() {
        int done = 0;
        for (int spins = 0; !closed; spins++) {
            if (started == done) {
                pause(spins);
                continue;
            }
            spins = 0;
            done++;
            try {
                second.step();
            } catch (Throwable e) {
                failure = e;
            }
            finished = done;
        }
    }

    private static void pause(int spins) {
        if (spins < SPINS) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        helper.join();
    }

    /** Keys {@code [from, to)}: their own rows of the caller's arrays, and their own compiled model. */
    private static final class Half {

        private final InferenceModel model;
        private final int rows;
        private final float[][] events;
        private final float[][] states;
        private final float[][] outputs;
        private final boolean[] emitted;

        Half(InferenceModel model, int from, int to, float[][] events, float[][] states, float[][] outputs) {
            this.model = InferenceModel.compile(model.spec(), model.mode());
            this.rows = to - from;
            this.events = Arrays.copyOfRange(events, from, to);
            this.states = Arrays.copyOfRange(states, from, to);
            this.outputs = Arrays.copyOfRange(outputs, from, to);
            this.emitted = new boolean[rows];
        }

        void step() {
            model.step(rows, events, states, outputs, emitted);
        }
    }
}
