package io.flinkrnn.jobs.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Streams a replay input file row by row: good rows go to the consumer as events, bad rows to the
 * rejects file (or, with {@code strict}, end the replay with the row's line number and reason).
 * Nothing but the current line and the per-key order check is held in memory.
 */
final class ReplayInput {

    private final Path file;
    private final int features;
    private final boolean strict;
    private final RejectsCsv rejects;
    private final Progress progress;

    ReplayInput(Path file, int features, boolean strict, RejectsCsv rejects, Progress progress) {
        this.file = file;
        this.features = features;
        this.strict = strict;
        this.rejects = rejects;
        this.progress = progress;
    }

    void forEach(Consumer<EventCsv.Parsed> events) {
        try (BufferedReader in = Files.newBufferedReader(file)) {
            String problem = EventCsv.headerProblem(in.readLine(), features);
            if (problem != null) {
                throw new IllegalArgumentException(file + " line 1: " + problem);
            }
            EventCsv csv = new EventCsv(features);
            long lineNumber = 1;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                EventCsv.Parsed parsed = csv.parse(lineNumber, line);
                progress.row();
                if (!parsed.rejected()) {
                    events.accept(parsed);
                } else if (strict) {
                    throw new IllegalArgumentException(file + " line " + lineNumber + ": " + parsed.reason());
                } else {
                    rejects.write(lineNumber, parsed.key(), parsed.reason());
                }
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no such events file: " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
