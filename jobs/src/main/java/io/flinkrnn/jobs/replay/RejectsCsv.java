package io.flinkrnn.jobs.replay;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes rejected input rows as {@code line,key,reason}; a {@code null} file discards them. */
public final class RejectsCsv implements AutoCloseable {

    private final BufferedWriter out;
    private long count;

    public RejectsCsv(Path file) {
        try {
            out = file == null ? null : Files.newBufferedWriter(file);
            if (out != null) {
                out.write("line,key,reason\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public void write(long line, String key, String reason) {
        count++;
        if (out == null) {
            return;
        }
        try {
            out.write(line + "," + quote(key) + "," + quote(reason) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long count() {
        return count;
    }

    private static String quote(String s) {
        return s == null ? "" : "\"" + s.replace("\"", "\"\"") + "\"";
    }

    @Override
    public void close() {
        if (out == null) {
            return;
        }
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
