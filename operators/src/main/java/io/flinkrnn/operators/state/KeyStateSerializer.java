package io.flinkrnn.operators.state;

import io.flinkrnn.operators.RnnOptions.StatePrecision;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
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
 * <p>The values' {@link StatePrecision} is recorded beside the layout: float32 values are 4 bytes
 * each, bfloat16 and float16 values 2 ({@link FloatBytes}). A float32 serializer's snapshot is exactly
 * what builds before reduced precision wrote, so they restore it; a 16-bit one records its precision
 * in a newer snapshot version. Restoring state of one precision into a job of another migrates it:
 * float32 values are rounded once to 16 bits, 16-bit values widen to float32 exactly.
 *
 * A change of the bytes is a new layout: add it here, bump {@link #LAYOUT}, and commit savepoints
 * of it beside the older ones ({@code StateSavepointWriter}).
 */
@Internal
public final class KeyStateSerializer extends TypeSerializer<KeyState> {

    private static final long serialVersionUID = 1L;

    /** The layout this build writes. */
    public static final int LAYOUT = 2;

    /** The serializer of float32 state, the default. */
    public static final KeyStateSerializer INSTANCE = new KeyStateSerializer(LAYOUT, StatePrecision.FLOAT32);

    private final int layout;
    private final StatePrecision precision;

    private KeyStateSerializer(int layout, StatePrecision precision) {
        this.layout = layout;
        this.precision = precision;
    }

    /** The serializer a job whose state is stored in {@code precision} writes with. */
    public static KeyStateSerializer of(StatePrecision precision) {
        return restoring(LAYOUT, precision);
    }

    /** A serializer of {@code layout} and {@code precision}, which restores state written in them. */
    static KeyStateSerializer restoring(int layout, StatePrecision precision) {
        return layout == LAYOUT && precision == StatePrecision.FLOAT32
                ? INSTANCE
                : new KeyStateSerializer(layout, precision);
    }

    /** What the values are stored in. */
    public StatePrecision precision() {
        return precision;
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
        FloatBytes.write(s.values, precision, out);
    }

    @Override
    public KeyState deserialize(DataInputView in) throws IOException {
        int epoch = in.readInt();
        long lastTimestamp = in.readLong();
        if (layout == 1) {
            in.skipBytesToRead(8);
        }
        return new KeyState(FloatBytes.read(in, in.readInt(), precision), lastTimestamp, epoch);
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
        byte[] values = new byte[n * FloatBytes.width(precision)];
        in.readFully(values);
        out.write(values);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyStateSerializer other && other.layout == layout && other.precision == precision;
    }

    @Override
    public int hashCode() {
        return 31 * layout + precision.ordinal();
    }

    @Override
    public TypeSerializerSnapshot<KeyState> snapshotConfiguration() {
        return new Snapshot(layout, precision);
    }

    /**
     * Records the layout and the values' precision; restores state of every older layout, and of
     * another precision, by rewriting it in the current ones.
     */
    public static final class Snapshot extends LayoutSnapshot<KeyState> {

        /** The snapshot version that adds the precision after the layout; float32 keeps writing the older one. */
        private static final int WITH_PRECISION = 5;

        private StatePrecision precision;

        /** For Flink, which reads the layout and precision from the checkpoint. */
        public Snapshot() {
            this(LAYOUT, StatePrecision.FLOAT32);
        }

        Snapshot(int layout, StatePrecision precision) {
            super("flink-rnn key", LAYOUT, layout);
            this.precision = precision;
        }

        /** What the values were stored in. */
        public StatePrecision precision() {
            return precision;
        }

        @Override
        public int getCurrentVersion() {
            return precision == StatePrecision.FLOAT32 ? super.getCurrentVersion() : WITH_PRECISION;
        }

        @Override
        public void writeSnapshot(DataOutputView out) throws IOException {
            super.writeSnapshot(out);
            if (precision != StatePrecision.FLOAT32) {
                out.writeUTF(precision.name());
            }
        }

        @Override
        public void readSnapshot(int readVersion, DataInputView in, ClassLoader userCodeClassLoader)
                throws IOException {
            boolean withPrecision = readVersion == WITH_PRECISION;
            super.readSnapshot(withPrecision ? super.getCurrentVersion() : readVersion, in, userCodeClassLoader);
            precision = withPrecision ? precision(in.readUTF()) : StatePrecision.FLOAT32;
        }

        private static StatePrecision precision(String name) throws IOException {
            return Arrays.stream(StatePrecision.values())
                    .filter(p -> p.name().equals(name))
                    .findFirst()
                    .orElseThrow(() -> new IOException("flink-rnn key state has values in precision '"
                            + name.toLowerCase(Locale.ROOT) + "', written by a newer flink-rnn; this build reads "
                            + "float32, bfloat16 and float16"));
        }

        @Override
        protected TypeSerializer<KeyState> serializer(int layout) {
            return restoring(layout, precision);
        }

        @Override
        public TypeSerializerSchemaCompatibility<KeyState> resolveSchemaCompatibility(
                TypeSerializerSnapshot<KeyState> old) {
            TypeSerializerSchemaCompatibility<KeyState> layouts = super.resolveSchemaCompatibility(old);
            boolean samePrecision = !(old instanceof Snapshot written) || written.precision == precision;
            return layouts.isCompatibleAsIs() && !samePrecision
                    ? TypeSerializerSchemaCompatibility.compatibleAfterMigration()
                    : layouts;
        }
    }
}
