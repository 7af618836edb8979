package io.flinkrnn.operators;

import io.flinkrnn.operators.state.FloatBytes;
import io.flinkrnn.operators.state.LayoutSnapshot;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Every event crosses the keyBy, so its serializer runs twice per event: written directly (key,
 * timestamp, source timestamp, feature count, the features as one bulk copy) instead of through
 * Flink's reflective record serializer and a call per float. A null key or features (rejected
 * later, never keyed) are kept as such: a feature count of -1 means null.
 *
 * <p>Layouts, recorded by {@link Snapshot} (an event-time buffer holds events in state) and read
 * back by a serializer of the same layout:
 *
 * <ol>
 *   <li>key, timestamp, feature count, features;
 *   <li>key, timestamp, the source record's timestamp, feature count, features.
 * </ol>
 *
 * A change of the bytes is a new layout: add it here and bump {@link #LAYOUT}.
 */
@Internal
public final class RnnEventSerializer extends TypeSerializer<RnnEvent> {

    private static final long serialVersionUID = 1L;

    /** The event layout this build writes. */
    public static final int LAYOUT = 2;

    public static final RnnEventSerializer INSTANCE = new RnnEventSerializer(LAYOUT);

    private final int layout;

    private RnnEventSerializer(int layout) {
        this.layout = layout;
    }

    /** A serializer of {@code layout}, which restores events written in it. */
    static RnnEventSerializer ofLayout(int layout) {
        return layout == LAYOUT ? INSTANCE : new RnnEventSerializer(layout);
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<RnnEvent> duplicate() {
        return this;
    }

    @Override
    public RnnEvent createInstance() {
        return new RnnEvent("", Long.MIN_VALUE, new float[0]);
    }

    @Override
    public RnnEvent copy(RnnEvent from) {
        return new RnnEvent(
                from.key(),
                from.timestamp(),
                from.features() == null ? null : from.features().clone(),
                from.sourceTimestamp());
    }

    @Override
    public RnnEvent copy(RnnEvent from, RnnEvent reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(RnnEvent event, DataOutputView out) throws IOException {
        StringSerializer.INSTANCE.serialize(event.key(), out);
        out.writeLong(event.timestamp());
        if (layout >= 2) {
            out.writeLong(event.sourceTimestamp());
        }
        float[] features = event.features();
        out.writeInt(features == null ? -1 : features.length);
        if (features != null) {
            FloatBytes.write(features, out);
        }
    }

    @Override
    public RnnEvent deserialize(DataInputView in) throws IOException {
        String key = StringSerializer.INSTANCE.deserialize(in);
        long timestamp = in.readLong();
        long sourceTimestamp = layout >= 2 ? in.readLong() : RnnEvent.NO_SOURCE_TIMESTAMP;
        int n = in.readInt();
        return new RnnEvent(key, timestamp, n < 0 ? null : FloatBytes.read(in, n), sourceTimestamp);
    }

    @Override
    public RnnEvent deserialize(RnnEvent reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RnnEventSerializer other && other.layout == layout;
    }

    @Override
    public int hashCode() {
        return layout;
    }

    @Override
    public TypeSerializerSnapshot<RnnEvent> snapshotConfiguration() {
        return new Snapshot(layout);
    }

    /** Records the layout; restores events of every older layout by rewriting them in the current one. */
    public static final class Snapshot extends LayoutSnapshot<RnnEvent> {

        /** For Flink, which reads the layout from the checkpoint. */
        public Snapshot() {
            this(LAYOUT);
        }

        Snapshot(int layout) {
            super("flink-rnn event", LAYOUT, layout);
        }

        @Override
        protected TypeSerializer<RnnEvent> serializer(int layout) {
            return ofLayout(layout);
        }
    }

    /** What {@code @TypeInfo} on {@link RnnEvent} names, so Flink never falls back to its record serializer. */
    public static final class Factory extends TypeInfoFactory<RnnEvent> {
        @Override
        public TypeInformation<RnnEvent> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new Info();
        }
    }

    /** The type information behind {@link Factory}: one opaque type with this serializer. */
    public static final class Info extends TypeInformation<RnnEvent> {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean isBasicType() {
            return false;
        }

        @Override
        public boolean isTupleType() {
            return false;
        }

        @Override
        public int getArity() {
            return 1;
        }

        @Override
        public int getTotalFields() {
            return 1;
        }

        @Override
        public Class<RnnEvent> getTypeClass() {
            return RnnEvent.class;
        }

        @Override
        public boolean isKeyType() {
            return false;
        }

        @Override
        public TypeSerializer<RnnEvent> createSerializer(SerializerConfig config) {
            return INSTANCE;
        }

        @Override
        public String toString() {
            return "RnnEvent";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Info;
        }

        @Override
        public int hashCode() {
            return Info.class.hashCode();
        }

        @Override
        public boolean canEqual(Object o) {
            return o instanceof Info;
        }
    }
}
