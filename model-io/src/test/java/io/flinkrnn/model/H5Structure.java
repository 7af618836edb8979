package io.flinkrnn.model;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Where the structures of a real HDF5 file are, for mutations that hit them rather than random bytes.
 *
 * <p>Boundaries: the file is read once whole through jhdf over a channel that records every read;
 * jhdf reads each structure (superblock, object header, B-tree node, heap, message continuation,
 * dataset data) with one read at its address and length, so the starts and ends of those reads are
 * exactly the offsets where one structure ends and the next begins, without a second HDF5 parser.
 *
 * <p>Fields: dataspace dimensions (of datasets and attributes), string lengths and float datatypes
 * are found by their byte patterns around the values jhdf reported (a dataset's dims, a string's
 * length), the layouts of the HDF5 format specification's dataspace (version 1 and 2), datatype
 * (class 3 string, class 1 float) and global heap object. Pointer targets are the addresses of
 * every group's and dataset's header and of every structure the file points to, so a pointer can
 * be aimed at another structure (aliased datasets, groups or B-tree nodes in a cycle).
 */
record H5Structure(
        List<Long> boundaries,
        List<Integer> dimFields,
        List<Integer> stringLengthFields,
        List<Integer> floatTypes,
        List<Long> pointerTargets) {

    static H5Structure of(byte[] file) {
        RecordingChannel channel = new RecordingChannel(file);
        List<long[]> dims = new ArrayList<>();
        List<String> strings = new ArrayList<>();
        List<Long> objects = new ArrayList<>();
        try (HdfFile hdf = new HdfFile(channel, URI.create("file:///fixture.h5"))) {
            walk(hdf, dims, strings, objects);
        }
        TreeSet<Long> bounds = new TreeSet<>();
        for (long[] read : channel.reads) {
            bounds.add(read[0]);
            bounds.add(read[0] + read[1]);
        }
        bounds.removeIf(b -> b <= 0 || b >= file.length);
        // Pointers: structure starts the file holds as an 8-byte address somewhere (B-tree nodes, heaps).
        java.util.Set<Long> values = new java.util.HashSet<>();
        ByteBuffer le = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 8 <= file.length; i++) {
            values.add(le.getLong(i));
        }
        TreeSet<Long> targets = new TreeSet<>(objects);
        channel.reads.stream().map(read -> read[0]).filter(values::contains).forEach(targets::add);
        targets.remove(0L);
        return new H5Structure(
                List.copyOf(bounds),
                dimFields(file, dims),
                stringLengthFields(file, strings),
                floatTypes(file),
                List.copyOf(targets));
    }

    private static void walk(Node node, List<long[]> dims, List<String> strings, List<Long> objects) {
        objects.add(node.getAddress());
        for (Attribute a : node.getAttributes().values()) {
            if (!a.isScalar() && !a.isEmpty()) {
                dims.add(Arrays.stream(a.getDimensions()).asLongStream().toArray());
            }
            Object data = a.getData();
            if (data instanceof String s) {
                strings.add(s);
            } else if (data instanceof String[] arr) {
                strings.addAll(List.of(arr));
            }
        }
        if (node instanceof Dataset d) {
            d.getDataFlat();
            dims.add(Arrays.stream(d.getDimensions()).asLongStream().toArray());
        } else if (node instanceof Group g) {
            for (Node child : g.getChildren().values()) {
                walk(child, dims, strings, objects);
            }
        }
    }

    /** The offsets of every dimension of a dataspace message whose dims are a dataset's. */
    private static List<Integer> dimFields(byte[] f, List<long[]> datasets) {
        TreeSet<Integer> out = new TreeSet<>();
        for (long[] dims : datasets) {
            if (dims.length == 0) {
                continue;
            }
            ByteBuffer want = ByteBuffer.allocate(8 * dims.length).order(ByteOrder.LITTLE_ENDIAN);
            for (long d : dims) {
                want.putLong(d);
            }
            for (int at : find(f, want.array())) {
                boolean v1 = at >= 8 && f[at - 8] == 1 && f[at - 7] == dims.length;
                boolean v2 = at >= 4 && f[at - 4] == 2 && f[at - 3] == dims.length;
                if (v1 || v2) {
                    for (int i = 0; i < dims.length; i++) {
                        out.add(at + 8 * i);
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    /** Size fields of fixed-length string datatypes and of global heap objects holding the strings. */
    private static List<Integer> stringLengthFields(byte[] f, List<String> strings) {
        TreeSet<Integer> out = new TreeSet<>();
        for (String s : strings) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            for (int at : find(f, le(utf8.length, 4))) {
                if (at >= 4 && (f[at - 4] & 0x0f) == 3) {
                    out.add(at);
                }
            }
            byte[] head = new byte[8 + Math.min(8, utf8.length)];
            System.arraycopy(le(utf8.length, 8), 0, head, 0, 8);
            System.arraycopy(utf8, 0, head, 8, head.length - 8);
            out.addAll(find(f, head));
        }
        return List.copyOf(out);
    }

    /** Class-and-version bytes of little-endian IEEE float32/float64 datatype messages. */
    private static List<Integer> floatTypes(byte[] f) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i + 16 <= f.length; i++) {
            int size = f[i + 4] | f[i + 5] << 8;
            boolean ieee = (size == 4 && f[i + 10] == 32 || size == 8 && f[i + 10] == 64) && f[i + 8] == 0;
            if (f[i] == 0x11 && f[i + 6] == 0 && f[i + 7] == 0 && ieee) {
                out.add(i);
            }
        }
        return out;
    }

    private static byte[] le(long value, int bytes) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            b[i] = (byte) (value >>> (8 * i));
        }
        return b;
    }

    private static List<Integer> find(byte[] hay, byte[] needle) {
        List<Integer> out = new ArrayList<>();
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            out.add(i);
        }
        return out;
    }

    /** A read-only channel over the bytes that remembers {@code (position, length)} of every read. */
    private static final class RecordingChannel implements SeekableByteChannel {
        final List<long[]> reads = new ArrayList<>();
        private final byte[] bytes;
        private long position;

        RecordingChannel(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (position >= bytes.length) {
                return -1;
            }
            int n = (int) Math.min(dst.remaining(), bytes.length - position);
            reads.add(new long[] {position, n});
            dst.put(bytes, (int) position, n);
            position += n;
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        public SeekableByteChannel position(long newPosition) {
            position = newPosition;
            return this;
        }

        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public SeekableByteChannel truncate(long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }
}
