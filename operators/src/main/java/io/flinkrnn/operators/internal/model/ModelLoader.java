package io.flinkrnn.operators.internal.model;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.engine.Mode;
import io.flinkrnn.model.KerasModels;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.operators.ModelSource;
import io.flinkrnn.operators.internal.RnnSettings;
import io.flinkrnn.operators.store.ModelStore;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.annotation.Internal;

/**
 * Reads model files once per TaskManager JVM and shares the immutable {@link ModelSpec} among every
 * operator instance that serves it; store versions are fetched and their hashes checked on the way.
 * Each instance compiles its own {@link InferenceModel}, because a compiled model keeps per-thread
 * scratch buffers.
 */
@Internal
public final class ModelLoader {

    /** A compiled model and the version label its outputs carry. */
    public record Loaded(InferenceModel model, String version) {}

    private record Resolved(ModelSpec spec, String version) {}

    /**
     * Versions kept per model (per store and name, or per file): the one serving and the one before
     * it, which other subtasks of the TaskManager may still serve while a swap reaches them all. An
     * evicted version is only read again if asked for; a long-running job polling a store that
     * publishes daily would otherwise hold every version it ever served.
     */
    static final int VERSIONS_KEPT = 2;

    private static final Map<ModelSource, Resolved> CACHE = new ConcurrentHashMap<>();

    /** Per model (its source without a version), the cached sources, most recently loaded last. */
    private static final Map<ModelSource, Deque<ModelSource>> RECENT = new HashMap<>();

    private ModelLoader() {}

    public static Loaded load(ModelSource source, RnnSettings settings) {
        Resolved r = resolve(source);
        ModelSpec spec = r.spec();
        return new Loaded(
                KernelChoice.compile(spec, mode(spec, settings), settings.kernel(), settings.bundleMaxEvents()),
                r.version());
    }

    /**
     * The client's check before submission: the model the settings name, compiled in their mode.
     * Wrong options fail here, {@code flink-rnn.kernel=nd4j} without its module among them; the
     * model is compiled with the Java kernel, so the client loads no native library. A store version that cannot be fetched (missing, tampered) does not:
     * a job restored from a savepoint resumes the version it was serving and takes the one it names
     * as a swap request, which the operator refuses while the old version keeps serving.
     *
     * @throws IllegalArgumentException naming the option or the model's problem
     */
    public static void check(RnnSettings settings) {
        KernelChoice.check(settings.kernel());
        Resolved r;
        try {
            r = resolve(settings.model());
        } catch (RuntimeException e) {
            if (settings.model().inStore()) {
                return;
            }
            throw e;
        }
        InferenceModel.compile(r.spec(), mode(r.spec(), settings));
    }

    private static Mode mode(ModelSpec spec, RnnSettings settings) {
        return EngineModes.of(settings.mode(), settings.window(), spec);
    }

    private static Resolved resolve(ModelSource source) {
        ModelSource key = source;
        if (source.inStore() && "latest".equals(source.version())) {
            // 'latest' moves; pin it to the version it means now before caching.
            key = source.withVersion(ModelStore.at(source.store())
                    .resolve(source.model(), "latest")
                    .version());
        }
        Resolved r = CACHE.computeIfAbsent(key, ModelLoader::read);
        keepRecent(key);
        return r;
    }

    private static synchronized void keepRecent(ModelSource loaded) {
        Deque<ModelSource> versions = RECENT.computeIfAbsent(loaded.withVersion(null), m -> new ArrayDeque<>());
        versions.remove(loaded);
        versions.addLast(loaded);
        while (versions.size() > VERSIONS_KEPT) {
            CACHE.remove(versions.removeFirst());
        }
    }

    /** The versions of {@code source}'s model this JVM holds read, least recently loaded first. */
    static synchronized List<String> cachedVersions(ModelSource source) {
        return RECENT.getOrDefault(source.withVersion(null), new ArrayDeque<>()).stream()
                .filter(CACHE::containsKey)
                .map(ModelSource::version)
                .toList();
    }

    /** The newest version in the source's store, for polling. */
    static String latestVersion(ModelSource source) {
        return ModelStore.at(source.store()).resolve(source.model(), "latest").version();
    }

    private static Resolved read(ModelSource source) {
        if (source.inStore()) {
            ModelStore.StoredModel stored =
                    ModelStore.at(source.store()).fetch(source.model(), source.version(), source.limits());
            return new Resolved(stored.spec(), stored.manifest().version());
        }
        ModelSpec spec = source.weights() == null
                ? KerasModels.load(Path.of(source.model()), source.limits())
                : KerasModels.load(Path.of(source.model()), Path.of(source.weights()), source.limits());
        return new Resolved(spec, source.version());
    }
}
