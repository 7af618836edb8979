package io.flinkrnn.operators.state;

import java.io.IOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The hot state's serializer: a 16-byte header (epoch, last timestamp, float count) then the raw
 * float32 values ({@link FloatBytes}), so RocksDB stores a key in close to its raw size and never
 * falls back to Kryo.
 *
 * <p>Layouts, recorded by {@link Snapshot} and read back by a serializer of the same layout:
 *
 * <ol>
 *   <li>epoch, last timestamp, events since reset (a long no code read), float count, floats;
 *   <li>the same without the event count: 8 bytes less per key.
 * </ol>
 *
 * A change of the bytes is a new layout: add it here, bump {@link #LAYOUT}, and commit savepoints
 * of it beside the older ones ({@code StateSavepointWriter}).
 */
@Internal
public final class KeyStateSerializer extends TypeSerializer<KeyState> {

    private static final long serialVersionUID = 1L;

    /** The layout this build writes. */
    public static final int LAYOUT = 2;

    public static final KeyStateSerializer INSTANCE = new KeyStateSerializer(LAYOUT);

    private final int layout;

    private KeyStateSerializer(int layout) {
        this.layout = layout;
    }

    /** A serializer of {@code layout}, which restores state written in it. */
    static KeyStateSerializer ofLayout(int layout) {
        return layout == LAYOUT ? INSTANCE : new KeyStateSerializer(layout);
    }

    /** Bytes before the float count. */
    private int headerBytes() {
        return layout == 1 ? 4 + 8 + 8 : 4 + 8;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<KeyState> duplicate() {
        return this;
    }

    @Override
    public KeyState createInstance() {
        return new KeyState(new float[0], Long.MIN_VALUE, 0);
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
        if (layout == 1) {
            out.writeLong(0);
        }
        out.writeInt(s.values.length);
        FloatBytes.write(s.values, out);
    }

    @Override
    public KeyState deserialize(DataInputView in) throws IOException {
        int epoch = in.readInt();
        long lastTimestamp = in.readLong();
        if (layout == 1) {
            in.skipBytesToRead(8);
        }
        return new KeyState(FloatBytes.read(in, in.readInt()), lastTimestamp, epoch);
    }

    @Override
    public KeyState deserialize(KeyState reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        // Through byte arrays: DataOutputSerializer.write(DataInputView, n) does not grow its buffer
        // and throws for anything larger than its free space, which a ConvLSTM2D state always is.
        byte[] header = new byte[headerBytes()];
        in.readFully(header);
        out.write(header);
        int n = in.readInt();
        out.writeInt(n);
        byte[] values = new byte[n * Float.BYTES];
        in.readFully(values);
        out.write(values);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyStateSerializer other && other.layout == layout;
    }

    @Override
    public int hashCode() {
        return layout;
    }

    @Override
    public TypeSerializerSnapshot<KeyState> snapshotConfiguration() {
        return new Snapshot(layout);
    }

    /** Records the layout; restores state of every older layout by rewriting it in the current one. */
    public static final class Snapshot extends LayoutSnapshot<KeyState> {

        /** For Flink, which reads the layout from the checkpoint. */
        public Snapshot() {
            this(LAYOUT);
        }

        Snapshot(int layout) {
            super("flink-rnn key", LAYOUT, layout);
        }

        @Override
        protected TypeSerializer<KeyState> serializer(int layout) {
            return ofLayout(layout);
        }
    }
}
