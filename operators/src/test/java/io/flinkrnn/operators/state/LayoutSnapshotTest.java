package io.flinkrnn.operators.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.RnnEventSerializer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * How the state serializers' snapshots resolve what a checkpoint recorded: the current layout as is,
 * an older one after migration (read by a serializer of that layout), a newer one refused by name.
 * The committed savepoints ({@code StateUpgradeClusterTest}) prove the same through a real restore.
 */
class LayoutSnapshotTest {

    @Test
    void theCurrentKeyLayoutIsCompatibleAsIs() throws IOException {
        TypeSerializerSnapshot<KeyState> restored = reread(KeyStateSerializer.INSTANCE.snapshotConfiguration());
        assertThat(((LayoutSnapshot<KeyState>) restored).layout()).isEqualTo(KeyStateSerializer.LAYOUT);
        assertThat(resolve(KeyStateSerializer.INSTANCE, restored).isCompatibleAsIs())
                .isTrue();
    }

    /** What builds before numbered layouts wrote: a SimpleTypeSerializerSnapshot (version 3) and 24-byte headers. */
    @Test
    void layoutOneKeysMigrateDroppingTheEventCount() throws IOException {
        TypeSerializerSnapshot<KeyState> restored = unnumbered(KeyStateSerializer.Snapshot.class);
        assertThat(resolve(KeyStateSerializer.INSTANCE, restored).isCompatibleAfterMigration())
                .isTrue();

        float[] values = {0.25f, -1.5f, 3e-7f};
        DataOutputSerializer old = new DataOutputSerializer(64);
        old.writeInt(2); // epoch
        old.writeLong(1_700_000_000_123L); // last timestamp
        old.writeLong(41); // events since reset, dropped in layout 2
        old.writeInt(values.length);
        ByteBuffer floats = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        floats.asFloatBuffer().put(values);
        old.write(floats.array());

        TypeSerializer<KeyState> reader = restored.restoreSerializer();
        DataOutputSerializer copied = new DataOutputSerializer(64);
        reader.copy(new DataInputDeserializer(old.getCopyOfBuffer()), copied);
        assertThat(copied.getCopyOfBuffer()).isEqualTo(old.getCopyOfBuffer());
        KeyState state = reader.deserialize(new DataInputDeserializer(old.getCopyOfBuffer()));
        assertThat(state.epoch).isEqualTo(2);
        assertThat(state.lastTimestamp).isEqualTo(1_700_000_000_123L);
        assertThat(state.values).containsExactly(values);

        DataOutputSerializer migrated = new DataOutputSerializer(64);
        KeyStateSerializer.INSTANCE.serialize(state, migrated);
        assertThat(migrated.length()).isEqualTo(old.length() - Long.BYTES);
    }

    @Test
    void aNewerKeyLayoutIsRefusedNamingBothLayouts() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeUTF(KeyStateSerializer.Snapshot.class.getName());
        out.writeInt(KeyStateSerializer.INSTANCE.snapshotConfiguration().getCurrentVersion());
        out.writeInt(KeyStateSerializer.LAYOUT + 1);
        assertThatThrownBy(() -> TypeSerializerSnapshot.readVersionedSnapshot(
                        new DataInputDeserializer(out.getCopyOfBuffer()),
                        getClass().getClassLoader()))
                .hasStackTraceContaining("flink-rnn key state has layout " + (KeyStateSerializer.LAYOUT + 1)
                        + ", written by a newer flink-rnn; this build reads layouts 1 to " + KeyStateSerializer.LAYOUT);
    }

    /** Event-time buffers of builds before events carried their source record's timestamp. */
    @Test
    void layoutOneEventsMigrateWithoutASourceTimestamp() throws IOException {
        TypeSerializerSnapshot<RnnEvent> restored = unnumbered(RnnEventSerializer.Snapshot.class);
        assertThat(((LayoutSnapshot<RnnEvent>) restored).layout()).isEqualTo(1);
        assertThat(resolve(RnnEventSerializer.INSTANCE, restored).isCompatibleAfterMigration())
                .isTrue();
        assertThat(resolve(RnnEventSerializer.INSTANCE, reread(RnnEventSerializer.INSTANCE.snapshotConfiguration()))
                        .isCompatibleAsIs())
                .isTrue();

        DataOutputSerializer old = new DataOutputSerializer(64);
        StringSerializer.INSTANCE.serialize("sensor-7", old);
        old.writeLong(1_700_000_000_123L); // ts
        old.writeInt(2);
        ByteBuffer floats = ByteBuffer.allocate(2 * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        floats.asFloatBuffer().put(new float[] {0.5f, -2f});
        old.write(floats.array());
        RnnEvent event = restored.restoreSerializer().deserialize(new DataInputDeserializer(old.getCopyOfBuffer()));
        assertThat(event.key()).isEqualTo("sensor-7");
        assertThat(event.timestamp()).isEqualTo(1_700_000_000_123L);
        assertThat(event.sourceTimestamp()).isEqualTo(RnnEvent.NO_SOURCE_TIMESTAMP);
        assertThat(event.features()).containsExactly(0.5f, -2f);

        DataOutputSerializer migrated = new DataOutputSerializer(64);
        RnnEventSerializer.INSTANCE.serialize(event, migrated);
        assertThat(migrated.length()).isEqualTo(old.length() + Long.BYTES);
    }

    private static <T> TypeSerializerSchemaCompatibility<T> resolve(
            TypeSerializer<T> current, TypeSerializerSnapshot<T> restored) {
        return current.snapshotConfiguration().resolveSchemaCompatibility(restored);
    }

    private static <T> TypeSerializerSnapshot<T> reread(TypeSerializerSnapshot<T> snapshot) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
        return TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), LayoutSnapshotTest.class.getClassLoader());
    }

    /** The bytes a SimpleTypeSerializerSnapshot of this class name wrote: its version 3, no payload. */
    private static <T> TypeSerializerSnapshot<T> unnumbered(Class<?> snapshotClass) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeUTF(snapshotClass.getName());
        out.writeInt(3);
        return TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), LayoutSnapshotTest.class.getClassLoader());
    }
}
