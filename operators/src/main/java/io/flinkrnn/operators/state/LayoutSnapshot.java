package io.flinkrnn.operators.state;

import java.io.IOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A serializer snapshot that records the byte layout its serializer wrote, numbered from 1. On
 * restore, state of the current layout is read as is; state of an older layout is read by a
 * serializer of that layout and rewritten in the current one (Flink's {@code
 * compatibleAfterMigration}); state of a newer layout, written by a newer flink-rnn, fails the
 * restore with a message naming both layouts.
 *
 * <p>Builds before layouts were numbered wrote a {@code SimpleTypeSerializerSnapshot} under the same
 * class name (its snapshot version 3, no payload): that is layout 1.
 */
@Internal
public abstract class LayoutSnapshot<T> implements TypeSerializerSnapshot<T> {

    /** The snapshot version of {@code SimpleTypeSerializerSnapshot}, which wrote layout 1. */
    private static final int UNNUMBERED = 3;

    private static final int VERSION = 4;

    private final String type;
    private final int current;
    private int layout;

    /**
     * @param type what the state holds, for messages
     * @param current the layout this build writes
     * @param layout the layout the snapshotted serializer writes
     */
    protected LayoutSnapshot(String type, int current, int layout) {
        this.type = type;
        this.current = current;
        this.layout = layout;
    }

    /** A serializer of {@code layout}, between 1 and the current layout. */
    protected abstract TypeSerializer<T> serializer(int layout);

    public int layout() {
        return layout;
    }

    @Override
    public int getCurrentVersion() {
        return VERSION;
    }

    @Override
    public void writeSnapshot(DataOutputView out) throws IOException {
        out.writeInt(layout);
    }

    @Override
    public void readSnapshot(int readVersion, DataInputView in, ClassLoader userCodeClassLoader) throws IOException {
        if (readVersion == UNNUMBERED) {
            layout = 1;
        } else if (readVersion == VERSION) {
            layout = in.readInt();
        } else {
            throw new IOException(type + " state: unknown serializer snapshot version " + readVersion
                    + " (this build reads " + UNNUMBERED + " and " + VERSION + ")");
        }
        if (layout < 1 || layout > current) {
            throw new IOException(type + " state has layout " + layout + ", written by a newer flink-rnn; this build"
                    + " reads layouts 1 to " + current + ": restore it with the build that wrote it or a newer one");
        }
    }

    @Override
    public TypeSerializer<T> restoreSerializer() {
        return serializer(layout);
    }

    @Override
    public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(TypeSerializerSnapshot<T> old) {
        if (old.getClass() != getClass()) {
            return TypeSerializerSchemaCompatibility.incompatible();
        }
        int written = ((LayoutSnapshot<T>) old).layout;
        return written == layout
                ? TypeSerializerSchemaCompatibility.compatibleAsIs()
                : TypeSerializerSchemaCompatibility.compatibleAfterMigration();
    }
}
