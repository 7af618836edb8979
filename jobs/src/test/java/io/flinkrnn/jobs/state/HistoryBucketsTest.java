package io.flinkrnn.jobs.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.operators.RnnEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The buckets a history is split into: every key in exactly one, with exactly its rows in the
 * history's order, and a row out of its key's order rejected with its line, as {@code replay} would.
 */
class HistoryBucketsTest {

    private static final int BUCKETS = 7;

    @TempDir
    Path dir;

    @Test
    void eachKeyIsInOneBucketWithItsRowsInOrder() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Map<String, List<RnnEvent>> written = new HashMap<>();
        List<HistoryBuckets.Rejection> expectedRejections = new ArrayList<>();
        try (HistoryBuckets.Writer out = new HistoryBuckets.Writer(dir, BUCKETS)) {
            for (long line = 2; line < 5_000; line++) {
                String key = "key-" + random.nextInt(300);
                List<RnnEvent> rows = written.computeIfAbsent(key, k -> new ArrayList<>());
                long last = rows.isEmpty() ? 0 : rows.get(rows.size() - 1).timestamp();
                boolean outOfOrder = !rows.isEmpty() && random.nextInt(50) == 0;
                RnnEvent event = new RnnEvent(
                        key, outOfOrder ? last : last + 1 + random.nextInt(3), new float[] {random.nextFloat(), line});
                out.write(line, event);
                if (outOfOrder) {
                    expectedRejections.add(
                            new HistoryBuckets.Rejection(line, "t=" + last + " is not after the key's last t=" + last));
                } else {
                    rows.add(event);
                }
            }
        }
        Map<String, List<RnnEvent>> read = new HashMap<>();
        List<HistoryBuckets.Rejection> rejections = new ArrayList<>();
        for (int b = 0; b < BUCKETS; b++) {
            for (List<RnnEvent> key : HistoryBuckets.read(dir, b, 2, rejections::add)) {
                assertThat(read.put(key.get(0).key(), key))
                        .as("seed %d: key %s in one bucket", seed, key.get(0).key())
                        .isNull();
            }
        }
        assertThat(read.keySet()).as("seed %d", seed).isEqualTo(written.keySet());
        written.forEach((key, rows) -> assertThat(read.get(key))
                .as("seed %d: %s", seed, key)
                .usingElementComparator((x, y) -> x.key().equals(y.key())
                                && x.timestamp() == y.timestamp()
                                && java.util.Arrays.equals(x.features(), y.features())
                        ? 0
                        : 1)
                .containsExactlyElementsOf(rows));
        assertThat(rejections)
                .as("seed %d", seed)
                .containsExactlyInAnyOrderElementsOf(expectedRejections)
                .isNotEmpty();
    }
}
