package io.flinkrnn.jobs.run;

import io.flinkrnn.operators.RnnOptions;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.apache.flink.state.rocksdb.RocksDBNativeMetricOptions;
import org.apache.flink.state.rocksdb.RocksDBOptions;

/**
 * The keys {@code flink-rnn run} accepts: its own, the operator's, and those of the Flink option
 * classes a job may set (checkpoints, state backends, recovery, restarts, parallelism). Anything
 * else is a typo until proven otherwise, so it is an error rather than silently ignored.
 */
final class KnownOptions {

    private static final Class<?>[] OPTION_CLASSES = {
        RunOptions.class,
        RnnOptions.class,
        CoreOptions.class,
        PipelineOptions.class,
        ExecutionOptions.class,
        CheckpointingOptions.class,
        StateBackendOptions.class,
        StateRecoveryOptions.class,
        RestartStrategyOptions.class,
        RocksDBOptions.class,
        RocksDBConfigurableOptions.class,
        RocksDBNativeMetricOptions.class
    };

    private static final Set<String> KEYS = collect();

    private KnownOptions() {}

    static boolean isKnown(String key) {
        return KEYS.contains(key) || key.startsWith(RunOptions.KAFKA_PROPERTIES_PREFIX);
    }

    /** The known key nearest to a misspelt one, to suggest in the error, or {@code null} if none is near. */
    static String closest(String unknown) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String key : KEYS) {
            int d = distance(unknown, key);
            if (d < bestDistance) {
                best = key;
                bestDistance = d;
            }
        }
        return bestDistance <= Math.max(3, unknown.length() / 5) ? best : null;
    }

    private static Set<String> collect() {
        Set<String> keys = new TreeSet<>();
        for (Class<?> c : OPTION_CLASSES) {
            for (Field f : c.getFields()) {
                if (Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigOption.class) {
                    ConfigOption<?> option = read(f);
                    keys.add(option.key());
                    for (FallbackKey k : option.fallbackKeys()) {
                        keys.add(k.getKey());
                    }
                }
            }
        }
        return keys;
    }

    private static ConfigOption<?> read(Field f) {
        try {
            return (ConfigOption<?>) f.get(null);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read " + f, e);
        }
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int swap = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + swap);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
