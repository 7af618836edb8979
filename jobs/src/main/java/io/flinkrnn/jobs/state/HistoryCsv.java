package io.flinkrnn.jobs.state;

import io.flinkrnn.jobs.replay.EventCsv;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A history of events in {@code replay}'s CSV ({@code key,t,x0,...}, docs/SEMANTICS.md section 7),
 * read once and never held: {@link #spill} parses each row and writes it into its key's bucket
 * ({@link HistoryBuckets}), so that bootstrap can serve a key's rows together. The rows of a key
 * must come in the order the key's events happened; keys may interleave, so the file needs no
 * sorting or grouping. A row {@code replay} rejects changes no state there either: a malformed one
 * is rejected here, one whose {@code t} is not after the key's previous one when its bucket is read.
 * Memory: one line, and a write buffer per bucket.
 */
public final class HistoryCsv {

    /** What bootstrap served: the keys and rows served, the rows rejected and the first rejected row's reason. */
    public record Scan(long keys, long events, long rejected, String firstRejection) {}

    /**
     * What {@link #spill} wrote: the number of buckets, and the rows rejected on their own with the
     * first ({@link HistoryBuckets.Rejection#NONE} if none).
     */
    record Spill(int buckets, long rejected, HistoryBuckets.Rejection first) {}

    private static final long PROGRESS_NANOS = 5_000_000_000L;

    private HistoryCsv() {}

    /**
     * Writes every well-formed row of {@code file} into its key's bucket in {@code dir}, telling
     * {@code progress} how far it got every few seconds.
     */
    static Spill spill(Path file, int features, Path dir, Consumer<String> progress) {
        long rejected = 0;
        HistoryBuckets.Rejection first = HistoryBuckets.Rejection.NONE;
        try (BufferedReader in = Files.newBufferedReader(file)) {
            Rows rows = new Rows(file, in, features);
            int buckets = HistoryBuckets.bucketsFor(Files.size(file));
            long spilled = 0;
            long reported = System.nanoTime();
            try (HistoryBuckets.Writer out = new HistoryBuckets.Writer(dir, buckets)) {
                for (EventCsv.Parsed p = rows.next(); p != null; p = rows.next()) {
                    if (!p.rejected()) {
                        out.write(p.line(), p.event());
                        spilled++;
                    } else if (rejected++ == 0) {
                        first = new HistoryBuckets.Rejection(p.line(), p.reason());
                    }
                    if ((spilled & 0xFFFF) == 0 && System.nanoTime() - reported > PROGRESS_NANOS) {
                        reported = System.nanoTime();
                        progress.accept(String.format(
                                "%,d rows of %s split into %d buckets by key", spilled, file.getFileName(), buckets));
                    }
                }
            }
            return new Spill(buckets, rejected, first);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no such history file: " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " or write its buckets: " + e.getMessage(), e);
        }
    }

    /** The parsed rows of an open file, header checked. */
    private static final class Rows {
        private final BufferedReader in;
        private final EventCsv csv;
        private long line = 1;

        Rows(Path file, BufferedReader in, int features) throws IOException {
            this.in = in;
            String problem = EventCsv.headerProblem(in.readLine(), features);
            if (problem != null) {
                throw new IllegalArgumentException(file + " line 1: " + problem);
            }
            this.csv = new EventCsv(features);
        }

        EventCsv.Parsed next() throws IOException {
            for (String row = in.readLine(); row != null; row = in.readLine()) {
                line++;
                if (!row.isBlank()) {
                    return csv.parseRow(line, row);
                }
            }
            return null;
        }
    }
}
