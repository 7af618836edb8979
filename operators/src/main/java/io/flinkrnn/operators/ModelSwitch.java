package io.flinkrnn.operators;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.engine.StateLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model an operator serves, and the next version on its way in. New versions are fetched and
 * compiled on a loader thread, off the processing path; the operator takes one over between
 * bundles. A version that cannot serve this stream (unreadable, hash mismatch, other input width,
 * state shapes the swap policy cannot carry) is refused and the current one keeps serving.
 */
final class ModelSwitch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelSwitch.class);

    /** What taking a finished load did. */
    enum Outcome {
        NONE,
        SWITCHED_KEEPING_STATES,
        SWITCHED_RESETTING_STATES,
        REFUSED
    }

    private final RnnSettings settings;
    private final String operatorName;
    private final ExecutorService loader;
    private ModelLoader.Loaded current;
    private CompletableFuture<ModelLoader.Loaded> next;
    private long generation;

    /**
     * @param version the version a restored checkpoint was serving, or {@code null} on a fresh start.
     *     A restore resumes that version; if the job was resubmitted naming another store version
     *     explicitly, that version is requested as a swap at this point of the stream (stop with a
     *     savepoint, resubmit with the new version: the upgrade path that needs no control stream).
     */
    ModelSwitch(RnnSettings settings, String version, long generation, String operatorName) {
        this.settings = settings;
        this.operatorName = operatorName;
        this.generation = generation;
        this.loader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "flink-rnn-model-loader " + operatorName);
            t.setDaemon(true);
            return t;
        });
        ModelSource asked = settings.model();
        this.current = ModelLoader.load(version == null ? asked : asked.withVersion(version), settings);
        boolean upgrade = version != null
                && asked.inStore()
                && !"latest".equals(asked.version())
                && !asked.version().equals(version);
        if (upgrade) {
            request(asked.version());
        }
    }

    InferenceModel model() {
        return current.model();
    }

    String version() {
        return current.version();
    }

    /** Counts swap requests; the same on every subtask, since requests are broadcast. */
    long generation() {
        return generation;
    }

    boolean loading() {
        return next != null;
    }

    /** Starts loading {@code version} (or {@code latest}) of the store model. */
    void request(String version) {
        if (!settings.model().inStore()) {
            throw new IllegalArgumentException(
                    "a model swap needs a model from a model store; this operator serves the file "
                            + settings.model().model());
        }
        generation++;
        ModelSource source = settings.model().withVersion(version);
        next = CompletableFuture.supplyAsync(() -> ModelLoader.load(source, settings), loader);
    }

    /** Looks for a newer version in the store, unless a swap is already under way. */
    void poll() {
        if (next != null) {
            return;
        }
        String serving = current.version();
        next = CompletableFuture.supplyAsync(
                () -> {
                    String latest = ModelLoader.latestVersion(settings.model());
                    return latest.equals(serving)
                            ? null
                            : ModelLoader.load(settings.model().withVersion(latest), settings);
                },
                loader);
    }

    /** Takes over the loaded version, waiting for it if asked to; decides what keys' states do. */
    Outcome take(boolean wait) {
        if (next == null || (!wait && !next.isDone())) {
            return Outcome.NONE;
        }
        ModelLoader.Loaded candidate;
        try {
            candidate = next.join();
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return refuse("cannot load it: " + cause.getMessage());
        } finally {
            next = null;
        }
        if (candidate == null) {
            return Outcome.NONE;
        }
        InferenceModel old = current.model();
        InferenceModel fresh = candidate.model();
        if (fresh.inputSize() != old.inputSize()) {
            return refuse("version " + candidate.version() + " takes " + fresh.inputSize()
                    + " features per event, the stream has " + old.inputSize());
        }
        boolean sameStates = sameShapes(old.stateLayout(), fresh.stateLayout());
        RnnOptions.SwapPolicy policy = settings.swapPolicy();
        if (!sameStates && policy == RnnOptions.SwapPolicy.FAIL) {
            throw new IllegalStateException(operatorName + ": model version " + candidate.version()
                    + " keeps states of other shapes than " + current.version() + ", and the swap policy is fail");
        }
        if (!sameStates && policy == RnnOptions.SwapPolicy.KEEP) {
            return refuse("version " + candidate.version() + " keeps states of other shapes; the swap policy keep "
                    + "cannot carry them (use reset)");
        }
        LOG.info(
                "{}: now serving model version {} (was {}), policy {}",
                operatorName,
                candidate.version(),
                current.version(),
                policy);
        current = candidate;
        return policy == RnnOptions.SwapPolicy.RESET
                ? Outcome.SWITCHED_RESETTING_STATES
                : Outcome.SWITCHED_KEEPING_STATES;
    }

    private Outcome refuse(String why) {
        LOG.warn("{}: refused a new model version, still serving {}: {}", operatorName, current.version(), why);
        return Outcome.REFUSED;
    }

    private static boolean sameShapes(StateLayout a, StateLayout b) {
        if (a.size() != b.size() || a.states().size() != b.states().size()) {
            return false;
        }
        for (int i = 0; i < a.states().size(); i++) {
            StateLayout.Slot x = a.states().get(i);
            StateLayout.Slot y = b.states().get(i);
            if (x.offset() != y.offset() || x.size() != y.size()) {
                return false;
            }
        }
        return a.windowSize() == b.windowSize() && a.outputSize() == b.outputSize();
    }

    @Override
    public void close() {
        loader.shutdownNow();
    }
}
