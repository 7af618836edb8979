package io.flinkrnn.operators.state;

import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.rocksdb.CompressionType;

/**
 * RocksDB options for recurrent state, filled in where a job leaves them unset. Every event reads
 * its key's whole state and writes it back, so the state is rewritten at the event rate: what costs
 * is flushing and compacting superseded versions, not reading. Measured by {@code flink-rnn-bench
 * job} (BENCHMARKS.md), these options roughly double a keyed job's events/s on RocksDB; the rest is
 * managed memory ({@code taskmanager.memory.managed.size}), which a job cannot set for its cluster.
 */
@Internal
public final class RocksDbDefaults {

    private RocksDbDefaults() {}

    /** Sets each option {@code config} does not already hold; returns {@code config}. */
    public static Configuration applyTo(Configuration config) {
        // Float32 states are noise to a compressor: compression only burns CPU on every flush,
        // compaction and block read.
        setIfAbsent(config, RocksDBConfigurableOptions.COMPRESSION_PER_LEVEL, List.of(CompressionType.NO_COMPRESSION));
        // A read of a key skips the SST files that cannot hold it.
        setIfAbsent(config, RocksDBConfigurableOptions.USE_BLOOM_FILTER, true);
        // Large memtables merged two at a time keep only each key's last version at flush, so far
        // fewer bytes reach disk and compaction than the event rate writes.
        setIfAbsent(config, RocksDBConfigurableOptions.WRITE_BUFFER_SIZE, MemorySize.ofMebiBytes(128));
        setIfAbsent(config, RocksDBConfigurableOptions.MAX_WRITE_BUFFER_NUMBER, 4);
        setIfAbsent(config, RocksDBConfigurableOptions.MIN_WRITE_BUFFER_NUMBER_TO_MERGE, 2);
        return config;
    }

    private static <T> void setIfAbsent(Configuration config, ConfigOption<T> option, T value) {
        if (!config.contains(option)) {
            config.set(option, value);
        }
    }
}
