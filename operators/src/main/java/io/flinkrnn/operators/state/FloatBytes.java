package io.flinkrnn.operators.state;

import io.flinkrnn.operators.RnnOptions.StatePrecision;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import org.apache.flink.annotation.Internal;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Float arrays as one bulk write of little-endian bytes, the byte order of the CPUs TaskManagers
 * run on, so the copy is a plain memory copy. A call per float ({@code writeFloat}) dominated
 * serialization of a key's state, and big-endian floats cost a byte swap per float on every read and
 * write, a tenth of the operator's time on RocksDB. A 16-bit {@link StatePrecision} writes each value
 * as its 2 bytes ({@link HalfFloats}), rounded to nearest even.
 */
@Internal
public final class FloatBytes {

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private FloatBytes() {}

    /** Bytes per value in {@code precision}. */
    public static int width(StatePrecision precision) {
        return precision == StatePrecision.FLOAT32 ? Float.BYTES : Short.BYTES;
    }

    /** Writes {@code values} without their length. */
    public static void write(float[] values, DataOutputView out) throws IOException {
        write(values, StatePrecision.FLOAT32, out);
    }

    /** Reads {@code n} floats written by {@link #write}. */
    public static float[] read(DataInputView in, int n) throws IOException {
        return read(in, n, StatePrecision.FLOAT32);
    }

    /** Writes {@code values} in {@code precision} without their length. */
    public static void write(float[] values, StatePrecision precision, DataOutputView out) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * width(precision)).order(ORDER);
        if (precision == StatePrecision.FLOAT32) {
            bytes.asFloatBuffer().put(values);
        } else {
            ShortBuffer shorts = bytes.asShortBuffer();
            boolean brain = precision == StatePrecision.BFLOAT16;
            for (float v : values) {
                shorts.put(brain ? HalfFloats.toBfloat16(v) : HalfFloats.toFloat16(v));
            }
        }
        out.write(bytes.array());
    }

    /** Reads {@code n} values written by {@link #write} in {@code precision}, widened to float32. */
    public static float[] read(DataInputView in, int n, StatePrecision precision) throws IOException {
        byte[] bytes = new byte[n * width(precision)];
        in.readFully(bytes);
        float[] values = new float[n];
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ORDER);
        if (precision == StatePrecision.FLOAT32) {
            buffer.asFloatBuffer().get(values);
        } else {
            ShortBuffer shorts = buffer.asShortBuffer();
            boolean brain = precision == StatePrecision.BFLOAT16;
            for (int i = 0; i < n; i++) {
                short s = shorts.get(i);
                values[i] = brain ? HalfFloats.fromBfloat16(s) : HalfFloats.fromFloat16(s);
            }
        }
        return values;
    }
}
