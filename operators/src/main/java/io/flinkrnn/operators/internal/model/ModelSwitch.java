package io.flinkrnn.operators.internal.model;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.operators.ModelSource;
import io.flinkrnn.operators.RnnOptions;
import io.flinkrnn.operators.internal.RnnSettings;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.flink.annotation.Internal;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model an operator serves, and the next version on its way in. New versions are fetched and
 * compiled on a loader thread, off the processing path; the operator takes one over between
 * bundles. A version that cannot serve this stream (unreadable, hash mismatch, other input width,
 * state shapes the swap policy cannot carry) is refused and the current one keeps serving.
 *
 * <p>A restore is a model change too when the model now at {@code flink-rnn.model.path} is not the
 * one that wrote the states ({@link #resume}); the same policy decides. Whatever stops the job
 * stops it for good ({@link SuppressRestartsException}): a restart would restore the same state
 * with the same model and fail again, a crash loop.
 */
@Internal
public final class ModelSwitch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelSwitch.class);

    /** What taking a finished load did. */
    public enum Outcome {
        NONE,
        SWITCHED_KEEPING_STATES,
        SWITCHED_RESETTING_STATES,
        REFUSED
    }

    private final RnnSettings settings;
    private final String operatorName;
    private final ExecutorService loader;
    private ModelLoader.Loaded current;
    /** {@link ModelLayout} of {@link #current}. */
    private ModelLayout layout;

    private CompletableFuture<ModelLoader.Loaded> next;
    private long generation;

    /**
     * @param version the version a restored checkpoint was serving, or {@code null} on a fresh start.
     *     A restore resumes that version; if the job was resubmitted naming another store version
     *     explicitly, that version is requested as a swap at this point of the stream (stop with a
     *     savepoint, resubmit with the new version: the upgrade path that needs no control stream).
     *     A file model is always the file the job names; {@link #resume} checks it can carry the
     *     restored states.
     */
    public ModelSwitch(RnnSettings settings, String version, long generation, String operatorName) {
        this.settings = settings;
        this.operatorName = operatorName;
        this.generation = generation;
        this.loader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "flink-rnn-model-loader " + operatorName);
            t.setDaemon(true);
            return t;
        });
        ModelSource asked = settings.model();
        this.current =
                ModelLoader.load(version == null || !asked.inStore() ? asked : asked.withVersion(version), settings);
        this.layout = ModelLayout.of(current.model());
        boolean upgrade = version != null
                && asked.inStore()
                && !"latest".equals(asked.version())
                && !asked.version().equals(version);
        if (upgrade) {
            request(asked.version());
        }
    }

    public InferenceModel model() {
        return current.model();
    }

    public String version() {
        return current.version();
    }

    public ModelLayout layout() {
        return layout;
    }

    /**
     * After a restore: whether the keys' states, written by model {@code writtenBy} of {@code
     * writtenLayout} ({@code null} when the state predates recording it), go on with the model now
     * serving. The writing model is gone, so unlike a swap nothing can be refused: {@code reset}
     * starts every key fresh, {@code keep} and {@code fail} stop the job naming both models.
     */
    public Outcome resume(String writtenBy, String writtenLayout) {
        if (layout.wrote(writtenLayout)) {
            return Outcome.NONE;
        }
        String change = "the restored state was written by model " + describe(writtenBy, writtenLayout)
                + ", this job serves model " + describe(current.version(), layout);
        if (settings.swapPolicy() != RnnOptions.SwapPolicy.RESET) {
            throw stop(change + "; swap policy " + policyName() + " never reuses another model's states: restore "
                    + "with the model that wrote them, or with swap policy reset to start every key fresh");
        }
        LOG.warn("{}: {}; swap policy reset: every key starts fresh", operatorName, change);
        return Outcome.SWITCHED_RESETTING_STATES;
    }

    /**
     * A key holds {@code floats} floats where the serving model needs others: state of a model
     * other than the one serving, restored from a checkpoint that did not record which model wrote
     * it. True when the key starts fresh ({@code reset}); else the job stops.
     */
    public boolean resetsForeignState(int floats) {
        if (settings.swapPolicy() == RnnOptions.SwapPolicy.RESET) {
            return true;
        }
        throw stop("a restored key holds " + floats + " floats of state, model " + describe(current.version(), layout)
                + " needs " + layout.floats() + ": the state was written by another model; swap"
                + " policy " + policyName() + " never reuses another model's states (use reset to start such keys"
                + " fresh)");
    }

    /** Counts swap requests; the same on every subtask, since requests are broadcast. */
    public long generation() {
        return generation;
    }

    public boolean loading() {
        return next != null;
    }

    /** Starts loading {@code version} (or {@code latest}) of the store model. */
    public void request(String version) {
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
    public void poll() {
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
    public Outcome take(boolean wait) {
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
        ModelLayout freshLayout = ModelLayout.of(fresh);
        boolean sameStates = freshLayout.compatibleWith(layout);
        RnnOptions.SwapPolicy policy = settings.swapPolicy();
        if (!sameStates && policy == RnnOptions.SwapPolicy.FAIL) {
            throw stop("model version " + describe(candidate.version(), freshLayout) + " keeps states of another "
                    + "layout than " + describe(current.version(), layout) + ", and the swap policy is fail");
        }
        if (!sameStates && policy == RnnOptions.SwapPolicy.KEEP) {
            return refuse("version " + describe(candidate.version(), freshLayout) + " keeps states of another layout "
                    + "than [" + layout + "]; the swap policy keep cannot carry them (use reset)");
        }
        LOG.info(
                "{}: now serving model version {} (was {}), policy {}",
                operatorName,
                candidate.version(),
                current.version(),
                policy);
        current = candidate;
        layout = freshLayout;
        return policy == RnnOptions.SwapPolicy.RESET
                ? Outcome.SWITCHED_RESETTING_STATES
                : Outcome.SWITCHED_KEEPING_STATES;
    }

    private Outcome refuse(String why) {
        LOG.warn("{}: refused a new model version, still serving {}: {}", operatorName, current.version(), why);
        return Outcome.REFUSED;
    }

    private RuntimeException stop(String why) {
        return new SuppressRestartsException(new IllegalStateException(operatorName + ": " + why));
    }

    private String policyName() {
        return settings.swapPolicy().name().toLowerCase(Locale.ROOT);
    }

    private static String describe(String version, Object layout) {
        return "'" + version + "' [" + layout + "]";
    }

    @Override
    public void close() {
        loader.shutdownNow();
    }
}
