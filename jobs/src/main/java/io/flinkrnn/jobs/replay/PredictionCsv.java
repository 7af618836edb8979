package io.flinkrnn.jobs.replay;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes replay output {@code key,t,y0,y1,...}. Floats are written with {@link Float#toString},
 * the shortest text that parses back to the same float32, so the file loses nothing.
 */
public final class PredictionCsv implements AutoCloseable {

    private final BufferedWriter out;

    public PredictionCsv(Path file, int outputs) {
        try {
            out = Files.newBufferedWriter(file);
            StringBuilder header = new StringBuilder("key,t");
            for (int i = 0; i < outputs; i++) {
                header.append(",y").append(i);
            }
            out.write(header.append('\n').toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public void write(String key, long t, float[] y) {
        StringBuilder line = new StringBuilder(key.length() + 16 + 12 * y.length);
        line.append(key).append(',').append(t);
        for (float v : y) {
            line.append(',').append(v);
        }
        try {
            out.write(line.append('\n').toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
