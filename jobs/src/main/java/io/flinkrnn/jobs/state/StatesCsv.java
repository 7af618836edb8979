package io.flinkrnn.jobs.state;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes one row per key: {@code key,key_group,last_timestamp,epoch}, then, given the model, each
 * recurrent state's floats under Keras's names ({@code lstm/h[0]}, ..., {@code lstm/c[7]}); without
 * it, the key's raw state floats ({@code v0}, ...) as the engine lays them out.
 */
public final class StatesCsv implements AutoCloseable {

    private final Path file;
    private final BufferedWriter out;
    /** Named states to write, or {@code null} for the raw floats. */
    private final List<KerasStates.KerasState> named;

    private boolean headerWritten;

    public StatesCsv(Path file, List<KerasStates.KerasState> named) {
        this.file = file;
        this.named = named;
        try {
            this.out = Files.newBufferedWriter(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public void write(RnnKeyState key, int keyGroup) {
        try {
            if (!headerWritten) {
                out.write(header(key.values().length));
                out.newLine();
                headerWritten = true;
            }
            StringBuilder row = new StringBuilder()
                    .append(key.key())
                    .append(',')
                    .append(keyGroup)
                    .append(',')
                    .append(key.lastTimestamp())
                    .append(',')
                    .append(key.epoch());
            if (named == null) {
                for (float v : key.values()) {
                    row.append(',').append(v);
                }
            } else {
                for (KerasStates.KerasState state : named) {
                    for (float v : state.of(key.values())) {
                        row.append(',').append(v);
                    }
                }
            }
            out.write(row.toString());
            out.newLine();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private String header(int floats) {
        StringBuilder header = new StringBuilder("key,key_group,last_timestamp,epoch");
        if (named == null) {
            for (int i = 0; i < floats; i++) {
                header.append(",v").append(i);
            }
        } else {
            for (KerasStates.KerasState state : named) {
                for (int i = 0; i < state.units(); i++) {
                    header.append(',')
                            .append(state.label())
                            .append('[')
                            .append(i)
                            .append(']');
                }
            }
        }
        return header.toString();
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
