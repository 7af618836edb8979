package io.flinkrnn.operators.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkrnn.operators.RnnOptions.StatePrecision;
import java.io.IOException;
import java.util.Random;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Reduced-precision key state: 2 bytes per value, the precision recorded in the serializer's
 * snapshot, and state of one precision restored into a job of another migrated (rounded once, or
 * widened exactly). {@code StatePrecisionTest} proves the same through real restores.
 */
class StatePrecisionSerializerTest {

    private static final int HEADER = 4 + 8 + 4;

    private static float[] gaussian(int n) {
        Random random = new Random(n);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    @ParameterizedTest
    @EnumSource(names = {"BFLOAT16", "FLOAT16"})
    void aSixteenBitKeyCostsTwoBytesPerValueAndReadsBackRounded(StatePrecision precision) throws IOException {
        float[] values = gaussian(389);
        KeyStateSerializer serializer = KeyStateSerializer.of(precision);
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(new KeyState(values, 1_700_000_000_123L, 3), out);
        assertThat(out.length()).isEqualTo(HEADER + 2 * values.length);

        KeyState back = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        float[] rounded = values.clone();
        HalfFloats.round(rounded, precision);
        assertThat(back.values).containsExactly(rounded);
        assertThat(back.values).isNotEqualTo(values);
        assertThat(back.lastTimestamp).isEqualTo(1_700_000_000_123L);
        assertThat(back.epoch).isEqualTo(3);

        DataOutputSerializer copied = new DataOutputSerializer(64);
        serializer.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
        assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
    }

    /** Builds before reduced precision restore float32 state of this build: its snapshot has not changed. */
    @Test
    void aFloat32SnapshotIsWhatEarlierBuildsWrote() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, KeyStateSerializer.INSTANCE.snapshotConfiguration());
        DataOutputSerializer before = new DataOutputSerializer(64);
        before.writeUTF(KeyStateSerializer.Snapshot.class.getName());
        before.writeInt(4);
        before.writeInt(KeyStateSerializer.LAYOUT);
        assertThat(out.getCopyOfBuffer()).isEqualTo(before.getCopyOfBuffer());
    }

    @ParameterizedTest
    @EnumSource(StatePrecision.class)
    void theSnapshotRecordsThePrecision(StatePrecision precision) throws IOException {
        KeyStateSerializer.Snapshot restored = reread(KeyStateSerializer.of(precision));
        assertThat(restored.precision()).isEqualTo(precision);
        assertThat(restored.layout()).isEqualTo(KeyStateSerializer.LAYOUT);
        assertThat(restored.restoreSerializer()).isEqualTo(KeyStateSerializer.of(precision));
        assertThat(resolve(KeyStateSerializer.of(precision), restored).isCompatibleAsIs())
                .isTrue();
    }

    @ParameterizedTest
    @EnumSource(names = {"BFLOAT16", "FLOAT16"})
    void float32StateRestoredAsSixteenBitIsRoundedOnce(StatePrecision precision) throws IOException {
        float[] values = gaussian(50);
        KeyState migrated = migrate(values, StatePrecision.FLOAT32, precision);
        float[] rounded = values.clone();
        HalfFloats.round(rounded, precision);
        assertThat(migrated.values).containsExactly(rounded);
    }

    @ParameterizedTest
    @EnumSource(names = {"BFLOAT16", "FLOAT16"})
    void sixteenBitStateRestoredAsFloat32WidensExactly(StatePrecision precision) throws IOException {
        float[] values = gaussian(50);
        HalfFloats.round(values, precision);
        assertThat(migrate(values, precision, StatePrecision.FLOAT32).values).containsExactly(values);
        assertThat(migrate(values, precision, otherSixteenBit(precision)).values)
                .containsExactly(roundedTo(values, otherSixteenBit(precision)));
    }

    @Test
    void layoutOneStateMigratesIntoASixteenBitJob() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeUTF(KeyStateSerializer.Snapshot.class.getName());
        out.writeInt(3);
        TypeSerializerSnapshot<KeyState> layoutOne = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        assertThat(resolve(KeyStateSerializer.of(StatePrecision.BFLOAT16), layoutOne)
                        .isCompatibleAfterMigration())
                .isTrue();
    }

    @Test
    void anUnknownPrecisionIsRefusedInOneLine() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeUTF(KeyStateSerializer.Snapshot.class.getName());
        out.writeInt(5);
        out.writeInt(KeyStateSerializer.LAYOUT);
        out.writeUTF("FLOAT8");
        assertThatThrownBy(() -> TypeSerializerSnapshot.readVersionedSnapshot(
                        new DataInputDeserializer(out.getCopyOfBuffer()),
                        getClass().getClassLoader()))
                .hasStackTraceContaining("flink-rnn key state has values in precision 'float8', written by a newer "
                        + "flink-rnn; this build reads float32, bfloat16 and float16");
    }

    /** What Flink does on restore when the snapshots say migrate: read with the old, write with the new. */
    private static KeyState migrate(float[] values, StatePrecision from, StatePrecision to) throws IOException {
        KeyStateSerializer writer = KeyStateSerializer.of(from);
        KeyStateSerializer.Snapshot restored = reread(writer);
        assertThat(resolve(KeyStateSerializer.of(to), restored).isCompatibleAfterMigration())
                .isTrue();
        DataOutputSerializer old = new DataOutputSerializer(64);
        writer.serialize(new KeyState(values, 5, 1), old);
        KeyState read = restored.restoreSerializer().deserialize(new DataInputDeserializer(old.getCopyOfBuffer()));
        DataOutputSerializer rewritten = new DataOutputSerializer(64);
        KeyStateSerializer.of(to).serialize(read, rewritten);
        return KeyStateSerializer.of(to).deserialize(new DataInputDeserializer(rewritten.getCopyOfBuffer()));
    }

    private static StatePrecision otherSixteenBit(StatePrecision precision) {
        return precision == StatePrecision.BFLOAT16 ? StatePrecision.FLOAT16 : StatePrecision.BFLOAT16;
    }

    private static float[] roundedTo(float[] values, StatePrecision precision) {
        float[] rounded = values.clone();
        HalfFloats.round(rounded, precision);
        return rounded;
    }

    private static TypeSerializerSchemaCompatibility<KeyState> resolve(
            TypeSerializer<KeyState> current, TypeSerializerSnapshot<KeyState> restored) {
        return current.snapshotConfiguration().resolveSchemaCompatibility(restored);
    }

    private static KeyStateSerializer.Snapshot reread(KeyStateSerializer serializer) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, serializer.snapshotConfiguration());
        return (KeyStateSerializer.Snapshot) TypeSerializerSnapshot.<KeyState>readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), StatePrecisionSerializerTest.class.getClassLoader());
    }
}
