package io.flinkrnn.model;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Writes zip archives byte by byte, so that tests can build what {@code ZipOutputStream} refuses to:
 * two entries with one name, symbolic links, entries in any order. The entries come from a real
 * Keras {@code .keras} archive ({@link #entriesOf}).
 */
final class ZipBytes {

    /** Unix file-type bits of a regular file and of a symbolic link, as zip's external attributes hold them. */
    static final int REGULAR = 0100644;

    static final int SYMLINK = 0120777;

    record Entry(String name, byte[] data, boolean deflate, int unixMode) {
        Entry(String name, byte[] data) {
            this(name, data, false, REGULAR);
        }

        Entry withName(String newName) {
            return new Entry(newName, data, deflate, unixMode);
        }
    }

    private ZipBytes() {}

    static List<Entry> entriesOf(Path archive) {
        try {
            return entriesOf(Files.readAllBytes(archive));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Entry> entriesOf(byte[] archive) {
        List<Entry> out = new ArrayList<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(archive))) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                out.add(new Entry(entry.getName(), zip.readAllBytes()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static byte[] write(List<Entry> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream directory = new ByteArrayOutputStream();
        for (Entry e : entries) {
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            byte[] stored = e.deflate() ? deflate(e.data()) : e.data();
            CRC32 crc = new CRC32();
            crc.update(e.data());
            int offset = out.size();
            ByteBuffer local = le(30 + name.length)
                    .putInt(0x04034b50)
                    .putShort((short) 20)
                    .putShort((short) 0)
                    .putShort((short) (e.deflate() ? 8 : 0))
                    .putInt(0x00210000) // 1980-01-01 00:00
                    .putInt((int) crc.getValue())
                    .putInt(stored.length)
                    .putInt(e.data().length)
                    .putShort((short) name.length)
                    .putShort((short) 0)
                    .put(name);
            out.writeBytes(local.array());
            out.writeBytes(stored);
            ByteBuffer central = le(46 + name.length)
                    .putInt(0x02014b50)
                    .putShort((short) (3 << 8 | 20)) // made by Unix, so the mode bits count
                    .putShort((short) 20)
                    .putShort((short) 0)
                    .putShort((short) (e.deflate() ? 8 : 0))
                    .putInt(0x00210000)
                    .putInt((int) crc.getValue())
                    .putInt(stored.length)
                    .putInt(e.data().length)
                    .putShort((short) name.length)
                    .putShort((short) 0)
                    .putShort((short) 0)
                    .putShort((short) 0)
                    .putShort((short) 0)
                    .putInt(e.unixMode() << 16)
                    .putInt(offset)
                    .put(name);
            directory.writeBytes(central.array());
        }
        int directoryOffset = out.size();
        out.writeBytes(directory.toByteArray());
        ByteBuffer end = le(22).putInt(0x06054b50)
                .putShort((short) 0)
                .putShort((short) 0)
                .putShort((short) entries.size())
                .putShort((short) entries.size())
                .putInt(directory.size())
                .putInt(directoryOffset)
                .putShort((short) 0);
        out.writeBytes(end.array());
        return out.toByteArray();
    }

    private static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        d.setInput(data);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
