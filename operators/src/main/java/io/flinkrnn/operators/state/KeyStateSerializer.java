package io.flinkrnn.operators.state;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The hot state's serializer: 24 bytes of header then the raw float32 values ({@link FloatBytes}), so
 * RocksDB stores a key in close to its raw size and never falls back to Kryo. The snapshot carries a version, so a
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
        FloatBytes.write(s.values, out);
    }

    @Override
    public KeyState deserialize(DataInputView in) throws IOException {
        int epoch = in.readInt();
        long lastTimestamp = in.readLong();
        long events = in.readLong();
        return new KeyState(FloatBytes.read(in, in.readInt()), lastTimestamp, events, epoch);
    }

    @Override
    public KeyState deserialize(KeyState reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        // Through byte arrays: DataOutputSerializer.write(DataInputView, n) does not grow its buffer
        // and throws for anything larger than its free space, which a ConvLSTM2D state always is.
        byte[] header = new byte[4 + 8 + 8];
        in.readFully(header);
        out.write(header);
        int n = in.readInt();
        out.writeInt(n);
        byte[] values = new byte[n * Float.BYTES];
        in.readFully(values);
        out.write(values);
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
