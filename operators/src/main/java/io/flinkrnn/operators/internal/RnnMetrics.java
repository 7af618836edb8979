package io.flinkrnn.operators.internal;

import io.flinkrnn.operators.internal.bundle.BundleMetrics;
import io.flinkrnn.operators.internal.bundle.EventBundle;
import io.flinkrnn.operators.state.KeyState;
import io.flinkrnn.operators.state.KeyStateSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;

/**
 * The operator's metrics, in a {@code flinkrnn} group under the operator's own metric group (README
 * "Metrics" lists them as a Prometheus scrape shows them). Gauges are read on the reporter's thread,
 * hence the volatile fields they read.
 */
final class RnnMetrics {

    final Counter events;
    final Counter rejects;
    final Counter late;
    final Counter swaps;
    final Counter swapsRefused;
    /** Keys whose state a model change (a swap or a restore with another model) discarded. */
    final Counter modelStateResets;

    final BundleMetrics bundle;

    private final MetricGroup group;
    private final KeyStateSerializer stateSerializer;
    private final Set<String> versionsShown = new HashSet<>();
    private volatile String version;
    private volatile long stateBytesPerKey;
    private volatile long keysRestored;
    private volatile long keysCleared;

    /** @param stateSerializer writes the keys' states, for {@code stateBytesPerKey} */
    RnnMetrics(MetricGroup operatorGroup, EventBundle pending, KeyStateSerializer stateSerializer) {
        this.stateSerializer = stateSerializer;
        group = operatorGroup.addGroup("flinkrnn");
        events = group.counter("events");
        rejects = group.counter("rejects");
        late = group.counter("lateEvents");
        swaps = group.counter("modelSwaps");
        swapsRefused = group.counter("modelSwapsRefused");
        modelStateResets = group.counter("modelStateResets");
        bundle = new BundleMetrics(group);
        group.meter("eventsPerSecond", new MeterView(events));
        group.gauge("bundleSize", pending::size);
        group.gauge("stateBytesPerKey", () -> stateBytesPerKey);
        // Approximate: TTL expiry is invisible to the operator, so an expired key that returns counts again.
        group.gauge("keysWithState", () -> keysRestored + bundle.keysCreated() - keysCleared);
    }

    /** Keys restored from a checkpoint or savepoint into this subtask. */
    void restoredKeys(long keys) {
        keysRestored = keys;
    }

    /** A reset removed a key's state. */
    void keyCleared() {
        keysCleared++;
    }

    /**
     * The version now serving. Prometheus takes numbers only, so the version is a label: {@code
     * modelInfo{model_version="..."}} is 1 for the version in use and 0 for those it replaced.
     */
    void serving(String servingVersion, float[] freshState) {
        version = servingVersion;
        stateBytesPerKey = serializedSize(freshState);
        if (versionsShown.add(servingVersion)) {
            group.addGroup("model_version", servingVersion)
                    .gauge("modelInfo", () -> servingVersion.equals(version) ? 1 : 0);
        }
    }

    /** What the state serializer writes for one key: the state's size in RocksDB and in checkpoints. */
    private long serializedSize(float[] freshState) {
        DataOutputSerializer out = new DataOutputSerializer(64 + freshState.length * Float.BYTES);
        try {
            stateSerializer.serialize(new KeyState(freshState, Long.MIN_VALUE, 0), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.length();
    }
}
