package io.flinkrnn.jobs.state;

import io.flinkrnn.jobs.replay.EventCsv;
import io.flinkrnn.operators.RnnEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * A history of events in {@code replay}'s CSV ({@code key,t,x0,...}, docs/SEMANTICS.md section 7),
 * streamed twice and never held: {@link #scan} counts the rows the live job would serve (a row
 * {@code replay} rejects — malformed, or a {@code t} not after the key's previous one — changes no
 * state there either), then {@link Events} hands exactly those rows, in file order, to a Flink
 * source. The rows of a key must come in the order the key's events happened; keys may interleave,
 * so the file needs no sorting or grouping. Memory: one line, and the last {@code t} of each key.
 */
public final class HistoryCsv {

    /** What a scan found: the keys and rows served, the rows rejected and the first rejected row's reason. */
    public record Scan(long keys, long events, long rejected, String firstRejection) {}

    private HistoryCsv() {}

    public static Scan scan(Path file, int features) {
        long events = 0;
        long rejected = 0;
        String first = null;
        try (BufferedReader in = Files.newBufferedReader(file)) {
            Rows rows = new Rows(file, in, features);
            for (EventCsv.Parsed p = rows.next(); p != null; p = rows.next()) {
                if (!p.rejected()) {
                    events++;
                } else if (rejected++ == 0) {
                    first = file + " line " + p.line() + ": " + p.reason();
                }
            }
            return new Scan(rows.csv.keys(), events, rejected, first);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no such history file: " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
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
                    return csv.parse(line, row);
                }
            }
            return null;
        }
    }

    /**
     * The served rows as a generator for Flink's {@code DataGeneratorSource} of {@link Scan#events()}
     * elements at parallelism 1: the i-th call returns the i-th served row.
     */
    public static final class Events implements GeneratorFunction<Long, RnnEvent> {

        private static final long serialVersionUID = 1L;

        private final String file;
        private final int features;
        private transient BufferedReader in;
        private transient Rows rows;

        public Events(Path file, int features) {
            this.file = file.toString();
            this.features = features;
        }

        @Override
        public void open(SourceReaderContext context) throws IOException {
            in = Files.newBufferedReader(Path.of(file));
            rows = new Rows(Path.of(file), in, features);
        }

        @Override
        public RnnEvent map(Long index) throws IOException {
            for (EventCsv.Parsed p = rows.next(); p != null; p = rows.next()) {
                if (!p.rejected()) {
                    return p.event();
                }
            }
            throw new IllegalStateException(file + " changed while it was read: row " + index + " is gone");
        }

        @Override
        public void close() throws IOException {
            if (in != null) {
                in.close();
            }
        }
    }
}
