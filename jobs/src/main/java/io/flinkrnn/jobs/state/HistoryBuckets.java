package io.flinkrnn.jobs.state;

import io.flinkrnn.jobs.replay.EventCsv;
import io.flinkrnn.operators.RnnEvent;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.flink.util.MathUtils;

/**
 * A history split by key into bucket files on local disk, so that each key's rows can be served
 * together (its state then written once) while no more than one bucket is ever in memory: every
 * row of a key goes to the same bucket, in the order the history had them. Enough buckets are
 * made that each holds about {@link #BUCKET_BYTES} of the history; one bucket, decoded, takes about
 * as much heap as its share of the CSV. Records are binary: line, key, t, features.
 */
final class HistoryBuckets {

    /** The history bytes a bucket is made for. */
    static final long BUCKET_BYTES = 32L << 20;
    /** Files open at once while spilling; a history above 32 GiB makes buckets above {@link #BUCKET_BYTES}. */
    static final int MAX_BUCKETS = 1024;

    private static final int BUFFER_BYTES = 32 << 10;

    /** A row that does not become an event: its line and why. */
    record Rejection(long line, String reason) implements Serializable {

        /** No row rejected: later than any. (Flink's accumulators hold no {@code null}.) */
        static final Rejection NONE = new Rejection(Long.MAX_VALUE, null);

        Rejection earlier(Rejection other) {
            return other.line < line ? other : this;
        }
    }

    private HistoryBuckets() {}

    static int bucketsFor(long historyBytes) {
        return (int) Math.max(1, Math.min(MAX_BUCKETS, (historyBytes + BUCKET_BYTES - 1) / BUCKET_BYTES));
    }

    private static Path file(Path dir, int bucket) {
        return dir.resolve("bucket-" + bucket);
    }

    /** Writes rows each into its key's bucket. */
    static final class Writer implements Closeable {

        private final DataOutputStream[] buckets;

        Writer(Path dir, int buckets) throws IOException {
            this.buckets = new DataOutputStream[buckets];
            for (int b = 0; b < buckets; b++) {
                this.buckets[b] = new DataOutputStream(
                        new BufferedOutputStream(Files.newOutputStream(file(dir, b)), BUFFER_BYTES));
            }
        }

        void write(long line, RnnEvent event) throws IOException {
            byte[] key = event.key().getBytes(StandardCharsets.UTF_8);
            DataOutputStream out =
                    buckets[Math.floorMod(MathUtils.murmurHash(event.key().hashCode()), buckets.length)];
            out.writeLong(line);
            out.writeInt(key.length);
            out.write(key);
            out.writeLong(event.timestamp());
            for (float x : event.features()) {
                out.writeFloat(x);
            }
        }

        @Override
        public void close() throws IOException {
            for (DataOutputStream bucket : buckets) {
                bucket.close();
            }
        }
    }

    /**
     * The keys of bucket {@code bucket}, in the order of their first rows, each with its events in
     * the history's order; a row whose {@code t} is not after its key's last served one is left out
     * and handed to {@code rejected}, as {@code replay} rejects it ({@link EventCsv#orderProblem}).
     */
    static List<List<RnnEvent>> read(Path dir, int bucket, int features, Consumer<Rejection> rejected)
            throws IOException {
        Map<String, List<RnnEvent>> keys = new LinkedHashMap<>();
        try (DataInputStream in =
                new DataInputStream(new BufferedInputStream(Files.newInputStream(file(dir, bucket)), BUFFER_BYTES))) {
            while (true) {
                long line;
                try {
                    line = in.readLong();
                } catch (EOFException end) {
                    return new ArrayList<>(keys.values());
                }
                String key = new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
                long t = in.readLong();
                float[] x = new float[features];
                for (int i = 0; i < features; i++) {
                    x[i] = in.readFloat();
                }
                List<RnnEvent> events = keys.computeIfAbsent(key, k -> new ArrayList<>());
                String problem = events.isEmpty()
                        ? null
                        : EventCsv.orderProblem(t, events.get(events.size() - 1).timestamp());
                if (problem == null) {
                    events.add(
                            new RnnEvent(events.isEmpty() ? key : events.get(0).key(), t, x));
                } else {
                    rejected.accept(new Rejection(line, problem));
                }
            }
        }
    }
}
