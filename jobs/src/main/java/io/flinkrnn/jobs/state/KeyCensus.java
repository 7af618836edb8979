package io.flinkrnn.jobs.state;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * Counts a savepoint's keys as they stream by: how many, how they spread over Flink's key groups (a
 * skewed spread is a hot subtask after any rescale), how many a reset left behind, and when each
 * last served an event, for the keys idle longer than a given time.
 */
public final class KeyCensus {

    private final int maxParallelism;
    private final int operatorEpoch;
    private final int[] keysPerGroup;
    private long keys;
    private long resetKeys;
    private long[] lastTimestamps = new long[1024];
    private long newest = Long.MIN_VALUE;

    /**
     * @param maxParallelism the operator's, which fixes its number of key groups
     * @param operatorEpoch the operator's reset epoch ({@code OperatorFacts#epoch()})
     */
    public KeyCensus(int maxParallelism, int operatorEpoch) {
        this.maxParallelism = maxParallelism;
        this.operatorEpoch = operatorEpoch;
        this.keysPerGroup = new int[maxParallelism];
    }

    public void add(RnnKeyState key) {
        keysPerGroup[keyGroup(key.key())]++;
        if (key.epoch() < operatorEpoch) {
            resetKeys++;
        }
        if (keys == lastTimestamps.length) {
            lastTimestamps = Arrays.copyOf(lastTimestamps, lastTimestamps.length * 2);
        }
        lastTimestamps[(int) keys++] = key.lastTimestamp();
        newest = Math.max(newest, key.lastTimestamp());
    }

    /** The key group Flink assigns the key to, as the job does. */
    public int keyGroup(String key) {
        return KeyGroupRangeAssignment.assignToKeyGroup(key, maxParallelism);
    }

    public long keys() {
        return keys;
    }

    /** Keys a reset-all or a model change reset after their last event: they start fresh. */
    public long resetKeys() {
        return resetKeys;
    }

    /** The newest last timestamp of any key, {@link Long#MIN_VALUE} without keys. */
    public long newestTimestamp() {
        return newest;
    }

    /** Keys whose last event is more than {@code idle} (in the timestamps' milliseconds) before {@code now}. */
    public long idleLongerThan(Duration idle, long now) {
        long n = 0;
        for (int i = 0; i < keys; i++) {
            if (now - lastTimestamps[i] > idle.toMillis()) {
                n++;
            }
        }
        return n;
    }

    /**
     * How many key groups hold how many keys, in power-of-two buckets, empty buckets left out:
     * {@code 0 → 3, 1 → 10, 2-3 → 25} reads as 3 groups without a key, 10 with one, 25 with two or
     * three.
     */
    public Map<String, Integer> keysPerKeyGroup() {
        Map<String, Integer> buckets = new LinkedHashMap<>();
        put(buckets, "0", count(0, 0));
        for (int low = 1; low <= fullestGroup(); low *= 2) {
            int high = low * 2 - 1;
            put(buckets, low == high ? String.valueOf(low) : low + "-" + high, count(low, high));
        }
        return buckets;
    }

    /** The keys of the emptiest key group. */
    public int emptiestGroup() {
        return Arrays.stream(keysPerGroup).min().orElse(0);
    }

    /** The keys of the fullest key group. */
    public int fullestGroup() {
        return Arrays.stream(keysPerGroup).max().orElse(0);
    }

    private static void put(Map<String, Integer> buckets, String range, int groups) {
        if (groups > 0) {
            buckets.put(range, groups);
        }
    }

    private int count(int low, int high) {
        return (int)
                Arrays.stream(keysPerGroup).filter(n -> n >= low && n <= high).count();
    }
}
