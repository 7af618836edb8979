package io.flinkrnn.jobs.state;

import io.flinkrnn.operators.RnnOptions.StatePrecision;
import io.flinkrnn.operators.internal.RnnInferenceOperator;
import io.flinkrnn.operators.state.KeyStateSerializer;
import io.flinkrnn.operators.state.LayoutSnapshot;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.state.IncrementalKeyedStateHandle;
import org.apache.flink.runtime.state.KeyGroupsStateHandle;
import org.apache.flink.runtime.state.KeyedBackendSerializationProxy;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.StreamStateHandle;
import org.apache.flink.runtime.state.metainfo.StateMetaInfoSnapshot;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.runtime.SavepointLoader;

/**
 * What a savepoint's metadata says about the flink-rnn operator of one uid, before any state is
 * read: whether it is there, how its keyed state was written (RocksDB's native format needs RocksDB
 * to read it, a canonical savepoint any backend), which {@code KeyStateSerializer} layout and value
 * precision the keys are in, whether keys carry idle TTL, whether events wait in the event-time
 * buffer, and the keyed state's size on disk.
 *
 * @param keyLayout the key state layout the savepoint records, or 0 when no key has state
 * @param keyPrecision what the keys' state values are stored in (float32 when no key has state)
 * @param keyedBytes the size of the operator's keyed state in the savepoint, every state and timer
 *     included
 * @param idleTtl the keys' state was written with Flink's state TTL (the job's idle TTL)
 * @param eventTimeBuffer events wait in the operator's event-time buffer (docs/SEMANTICS.md section 5)
 * @param finishedOperators the ids (uid hashes) of the savepoint's operators that had finished, such
 *     as the empty control source of a job without controls: they hold no state
 */
public record SavepointOperator(
        String savepoint,
        String uid,
        int maxParallelism,
        int parallelism,
        boolean nativeRocksDb,
        int keyLayout,
        StatePrecision keyPrecision,
        boolean idleTtl,
        boolean eventTimeBuffer,
        long keyedBytes,
        List<String> finishedOperators) {

    /** Reads the savepoint's {@code _metadata}; one-line errors name the savepoint and the uid. */
    public static SavepointOperator read(String savepoint, String uid) {
        CheckpointMetadata metadata = load(savepoint);
        OperatorState operator = metadata.getOperatorStates().stream()
                .filter(o ->
                        o.getOperatorID().equals(OperatorIdentifier.forUid(uid).getOperatorId()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("savepoint " + savepoint + " has no operator of uid '"
                        + uid + "'; its operators' uids: " + uids(metadata)));
        boolean nativeRocksDb = false;
        int layout = 0;
        StatePrecision precision = StatePrecision.FLOAT32;
        boolean ttl = false;
        boolean buffer = false;
        long bytes = 0;
        for (OperatorSubtaskState subtask : operator.getStates()) {
            for (KeyedStateHandle handle : subtask.getManagedKeyedState()) {
                bytes += handle.getStateSize();
                nativeRocksDb |= handle instanceof IncrementalKeyedStateHandle;
                for (StateMetaInfoSnapshot state : keyedStates(savepoint, handle)) {
                    if (state.getName().equals(RnnInferenceOperator.STATE_NAME)) {
                        TypeSerializerSnapshot<?> values = state.getTypeSerializerSnapshot(
                                StateMetaInfoSnapshot.CommonSerializerKeys.VALUE_SERIALIZER);
                        LayoutSnapshot<?> keys = layoutOf(values);
                        if (keys == null) {
                            throw new IllegalArgumentException("savepoint " + savepoint + ": state '"
                                    + state.getName() + "' of uid '" + uid + "' was not written by flink-rnn's key "
                                    + "state serializer (" + values.getClass().getName() + ")");
                        }
                        layout = keys.layout();
                        precision = ((KeyStateSerializer.Snapshot) keys).precision();
                        ttl |= !(values instanceof LayoutSnapshot);
                    }
                    buffer |= state.getName().equals(RnnInferenceOperator.EVENT_TIME_BUFFER_NAME);
                }
            }
        }
        return new SavepointOperator(
                savepoint,
                uid,
                operator.getMaxParallelism(),
                operator.getParallelism(),
                nativeRocksDb,
                layout,
                precision,
                ttl,
                buffer,
                bytes,
                metadata.getOperatorStates().stream()
                        .filter(OperatorState::isFullyFinished)
                        .map(o -> o.getOperatorID().toHexString())
                        .toList());
    }

    private static CheckpointMetadata load(String savepoint) {
        try {
            return SavepointLoader.loadSavepointMetadata(savepoint);
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("no savepoint at " + savepoint + ": " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a Flink savepoint: " + savepoint + " (" + e.getMessage() + ")");
        }
    }

    private static String uids(CheckpointMetadata metadata) {
        // Operators without a uid (Flink derived their ids from the job graph) are left out: noise.
        List<String> uids = metadata.getOperatorStates().stream()
                .flatMap(o -> o.getOperatorUid().stream())
                .sorted()
                .toList();
        return uids.isEmpty() ? "none" : uids.stream().collect(Collectors.joining(", "));
    }

    /**
     * The keyed states a handle holds, from the meta data every keyed snapshot starts with: the head
     * of a canonical savepoint's key-group stream, or RocksDB's meta data file of a native one.
     */
    private static List<StateMetaInfoSnapshot> keyedStates(String savepoint, KeyedStateHandle handle) {
        StreamStateHandle meta;
        if (handle instanceof IncrementalKeyedStateHandle incremental) {
            meta = incremental.getMetaDataStateHandle();
        } else if (handle instanceof KeyGroupsStateHandle groups) {
            meta = groups.getDelegateStateHandle();
        } else {
            throw new IllegalArgumentException("savepoint " + savepoint + ": keyed state of an unknown kind "
                    + handle.getClass().getName());
        }
        KeyedBackendSerializationProxy<?> proxy =
                new KeyedBackendSerializationProxy<>(SavepointOperator.class.getClassLoader());
        try (InputStream in = meta.openInputStream()) {
            proxy.read(new DataInputViewStreamWrapper(in));
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "savepoint " + savepoint + ": cannot read its keyed state's meta data: " + e.getMessage(), e);
        }
        return proxy.getStateMetaInfoSnapshots();
    }

    /** The key state's layout snapshot, also when idle TTL wraps the serializer in its own. */
    private static LayoutSnapshot<?> layoutOf(TypeSerializerSnapshot<?> snapshot) {
        if (snapshot instanceof LayoutSnapshot<?> layout) {
            return layout;
        }
        if (snapshot instanceof CompositeTypeSerializerSnapshot<?, ?> composite) {
            for (TypeSerializerSnapshot<?> nested : composite.getNestedSerializerSnapshots()) {
                LayoutSnapshot<?> layout = layoutOf(nested);
                if (layout != null) {
                    return layout;
                }
            }
        }
        return null;
    }

    /** The format of the keyed state, as Flink names it. */
    public String format() {
        return nativeRocksDb ? "RocksDB native" : "canonical";
    }
}
