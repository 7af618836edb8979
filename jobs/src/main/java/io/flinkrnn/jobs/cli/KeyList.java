package io.flinkrnn.jobs.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

/** A file of keys, one per line as the events carry them; blank lines are skipped. */
final class KeyList {

    private KeyList() {}

    static Set<String> read(Path file) {
        try (Stream<String> lines = Files.lines(file)) {
            Set<String> keys = new HashSet<>();
            lines.map(String::strip).filter(l -> !l.isEmpty()).forEach(keys::add);
            return keys;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no such key file: " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
