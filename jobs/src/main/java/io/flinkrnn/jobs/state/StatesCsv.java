package io.flinkrnn.jobs.state;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@link StatesFile} as CSV, header first. */
final class StatesCsv implements StatesFile {

    private final Path file;
    private final BufferedWriter out;
    /** Named states to write, or {@code null} for the raw floats. */
    private final List<KerasStates.KerasState> named;

    private boolean headerWritten;

    StatesCsv(Path file, List<KerasStates.KerasState> named) {
        this.file = file;
        this.named = named;
        try {
            this.out = Files.newBufferedWriter(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void write(RnnKeyState key, int keyGroup) {
        try {
            if (!headerWritten) {
                out.write(String.join(",", KEY_COLUMNS) + ","
                        + String.join(",", StatesFile.stateColumns(named, key.values().length)));
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
            for (float v : StatesFile.stateFloats(key, named)) {
                row.append(',').append(v);
            }
            out.write(row.toString());
            out.newLine();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
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
