package io.flinkrnn.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A zip archive held in memory and read by entry name; nothing is ever extracted to a path. The
 * central directory is parsed here rather than by {@code java.util.zip.ZipFile}, which silently
 * picks one of two entries with the same name and does not expose symbolic links: an archive with
 * an absolute path, a {@code ..} segment, a duplicate name or a symlink among its entries is refused
 * naming that entry. An entry is inflated into a buffer of its declared size, checked against the
 * caller's limit first, and must match its CRC-32, so a damaged or padded entry never loads.
 */
final class ZipArchive {

    private static final int END_OF_DIRECTORY = 0x06054b50;
    private static final int DIRECTORY_ENTRY = 0x02014b50;
    private static final int LOCAL_HEADER = 0x04034b50;
    /** A 32-bit field of all ones means the real value is in a ZIP64 record. */
    private static final long ZIP64 = 0xffffffffL;

    private static final int UNIX_HOST = 3;
    private static final int FILE_TYPE_MASK = 0170000;
    private static final int SYMLINK = 0120000;

    private record Entry(int flags, int method, long crc, long compressedSize, long size, long localHeader) {}

    private final ByteBuffer buf;
    private final String display;
    private final long directoryStart;
    private final Map<String, Entry> entries = new HashMap<>();

    private ZipArchive(byte[] bytes, String display) {
        this.buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        this.display = display;
        int end = findEndOfDirectory();
        if (u16(end + 4) != 0 || u16(end + 6) != 0) {
            throw unreadable("it spans several disks");
        }
        int count = u16(end + 10);
        long size = u32(end + 12);
        long offset = u32(end + 16);
        if (count == 0xffff || offset == ZIP64 || size == ZIP64) {
            throw unreadable("ZIP64 archives are not supported");
        }
        if (offset + size > end) {
            throw unreadable("its central directory lies outside the file");
        }
        this.directoryStart = offset;
        long at = offset;
        for (int i = 0; i < count; i++) {
            at = readDirectoryEntry(at, end);
        }
    }

    static ZipArchive of(byte[] bytes, String display) {
        return new ZipArchive(bytes, display);
    }

    boolean has(String name) {
        return entries.containsKey(name);
    }

    /** An entry's bytes; {@code limitName} and {@code limit} bound its declared size. */
    byte[] read(String name, String limitName, long limit) {
        Entry e = entries.get(name);
        if (e.size() > limit) {
            throw entryFail(name, "declares " + e.size() + " bytes, more than " + LoadLimits.limit(limitName, limit));
        }
        if ((e.flags() & 1) != 0) {
            throw entryFail(name, "is encrypted");
        }
        int h = position(e.localHeader(), 30, name);
        if (buf.getInt(h) != LOCAL_HEADER) {
            throw entryFail(name, "has no local header where the central directory points");
        }
        long dataStart = e.localHeader() + 30 + u16(h + 26) + u16(h + 28);
        if (dataStart + e.compressedSize() > directoryStart) {
            throw entryFail(name, "runs past the end of the archive's data");
        }
        byte[] out = new byte[(int) e.size()];
        switch (e.method()) {
            case 0 -> {
                if (e.compressedSize() != e.size()) {
                    throw entryFail(name, "is stored uncompressed but declares two different sizes");
                }
                buf.get((int) dataStart, out);
            }
            case 8 -> inflate(name, (int) dataStart, (int) e.compressedSize(), out);
            default -> throw entryFail(
                    name, "uses compression method " + e.method() + ", only stored and deflated" + " are supported");
        }
        CRC32 crc = new CRC32();
        crc.update(out);
        if (crc.getValue() != e.crc()) {
            throw entryFail(name, "fails its CRC-32 check (damaged archive)");
        }
        return out;
    }

    private long readDirectoryEntry(long at, int end) {
        int p = position(at, 46, "central directory");
        if (buf.getInt(p) != DIRECTORY_ENTRY) {
            throw unreadable("its central directory is damaged at offset " + at);
        }
        int nameLength = u16(p + 28);
        long next = at + 46 + nameLength + u16(p + 30) + u16(p + 32);
        if (next > end) {
            throw unreadable("its central directory is damaged at offset " + at);
        }
        byte[] raw = new byte[nameLength];
        buf.get(p + 46, raw);
        String name = new String(raw, StandardCharsets.UTF_8);
        Entry e = new Entry(u16(p + 8), u16(p + 10), u32(p + 16), u32(p + 20), u32(p + 24), u32(p + 42));
        if (e.compressedSize() == ZIP64 || e.size() == ZIP64 || e.localHeader() == ZIP64) {
            throw entryFail(name, "uses ZIP64, which is not supported");
        }
        refuseHostile(name, u16(p + 4) >> 8, (int) (u32(p + 38) >>> 16));
        if (entries.put(name, e) != null) {
            throw entryFail(name, "appears twice; an archive with duplicate entries is refused");
        }
        return next;
    }

    /** Names a tool would resolve outside its target directory, and links that point anywhere. */
    private void refuseHostile(String name, int host, int unixMode) {
        if (name.startsWith("/") || name.startsWith("\\") || name.matches("^[A-Za-z]:.*")) {
            throw entryFail(name, "has an absolute path; refused");
        }
        for (String segment : name.split("[/\\\\]")) {
            if (segment.equals("..")) {
                throw entryFail(name, "has a '..' path segment; refused");
            }
        }
        if (host == UNIX_HOST && (unixMode & FILE_TYPE_MASK) == SYMLINK) {
            throw entryFail(name, "is a symbolic link; refused");
        }
    }

    private void inflate(String name, int start, int length, byte[] out) {
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(buf.array(), start, length);
            int n = 0;
            int got = -1;
            // No progress means the input is used up (or wants a dictionary we do not have).
            while (n < out.length && got != 0) {
                got = inflater.inflate(out, n, out.length - n);
                n += got;
            }
            if (n < out.length) {
                throw entryFail(name, "ends before its declared " + out.length + " bytes");
            }
            // A bomb declares a small size and inflates to more: the buffer is full, the stream is not.
            if (!inflater.finished() && inflater.inflate(new byte[1]) > 0) {
                throw entryFail(name, "inflates to more than its declared " + out.length + " bytes");
            }
        } catch (DataFormatException e) {
            throw entryFail(name, "is not valid deflate data (" + e.getMessage() + ")");
        } finally {
            inflater.end();
        }
    }

    private int findEndOfDirectory() {
        int last = buf.capacity() - 22;
        // The record ends the file but for a comment of at most 65535 bytes.
        for (int p = last; p >= 0 && p >= last - 0xffff; p--) {
            if (buf.getInt(p) == END_OF_DIRECTORY && p + 22 + u16(p + 20) == buf.capacity()) {
                return p;
            }
        }
        throw unreadable("no end of central directory record; truncated or not a zip archive");
    }

    private int position(long offset, int length, String what) {
        if (offset < 0 || offset + length > buf.capacity()) {
            throw unreadable(what + " points past the end of the file");
        }
        return (int) offset;
    }

    private int u16(int p) {
        return Short.toUnsignedInt(buf.getShort(p));
    }

    private long u32(int p) {
        return Integer.toUnsignedLong(buf.getInt(p));
    }

    private ModelLoadException unreadable(String why) {
        return new ModelLoadException(display + ": not a readable zip archive (" + why + ")");
    }

    private ModelLoadException entryFail(String name, String what) {
        return new ModelLoadException(display + ": entry '" + name + "' " + what);
    }
}
