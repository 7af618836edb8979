package io.flinkrnn.operators.state;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The hot state's serializer: 24 bytes of header then the raw float32 values, so RocksDB stores a
 * key in close to its raw size and never falls back to Kryo. The snapshot carries a version, so a
 * later layout can read state written by this one.
 */
public final class KeyStateSerializer extends TypeSerializerSingleton<KeyState> {

    private static final long serialVersionUID = 1L;

    public static final KeyStateSerializer INSTANCE = new KeyStateSerializer();

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public KeyState createInstance() {
        return new KeyState(new float[0], Long.MIN_VALUE, 0, 0);
    }

    @Override
    public KeyState copy(KeyState from) {
        return from.copy();
    }

    @Override
    public KeyState copy(KeyState from, KeyState reuse) {
        return from.copy();
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(KeyState s, DataOutputView out) throws IOException {
        out.writeInt(s.epoch);
        out.writeLong(s.lastTimestamp);
        out.writeLong(s.events);
        out.writeInt(s.values.length);
        for (float v : s.values) {
            out.writeFloat(v);
        }
    }

    @Override
    public KeyState deserialize(DataInputView in) throws IOException {
        int epoch = in.readInt();
        long lastTimestamp = in.readLong();
        long events = in.readLong();
        float[] values = new float[in.readInt()];
        for (int i = 0; i < values.length; i++) {
            values[i] = in.readFloat();
        }
        return new KeyState(values, lastTimestamp, events, epoch);
    }

    @Override
    public KeyState deserialize(KeyState reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        out.write(in, 4 + 8 + 8);
        int n = in.readInt();
        out.writeInt(n);
        out.write(in, n * Float.BYTES);
    }

    @Override
    public TypeSerializerSnapshot<KeyState> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Restores this serializer from a checkpoint; bump its version when the byte layout changes. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<KeyState> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
