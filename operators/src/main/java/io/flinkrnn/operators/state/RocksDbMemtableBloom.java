package io.flinkrnn.operators.state;

import java.util.Collection;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.state.rocksdb.RocksDBOptionsFactory;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;

/**
 * A bloom filter over each RocksDB memtable's keys, for jobs with millions of keys per slot: name it
 * in {@code state.backend.rocksdb.options-factory}. Every event reads its key's state before writing
 * it; with millions of keys that key was last written long ago, so the read finds it in none of the
 * (up to {@code writebuffer.count}) memtables, and without a filter each of them is a skip-list
 * search of cache misses (a tenth of the job's CPU at 10M keys, BENCHMARKS.md). Flink has no option
 * for it, hence an options factory; Flink applies its own {@code state.backend.rocksdb.*} options
 * first and this on top. The filter lives in the memtable's arena (a tenth of each write buffer), so
 * managed memory still bounds it.
 */
@PublicEvolving
public final class RocksDbMemtableBloom implements RocksDBOptionsFactory {

    private static final long serialVersionUID = 1L;

    /** The filter's share of each write buffer: RocksDB's suggested maximum. */
    static final double SIZE_RATIO = 0.1;

    @Override
    public DBOptions createDBOptions(DBOptions currentOptions, Collection<AutoCloseable> handlesToClose) {
        return currentOptions;
    }

    @Override
    public ColumnFamilyOptions createColumnOptions(
            ColumnFamilyOptions currentOptions, Collection<AutoCloseable> handlesToClose) {
        // Whole keys, not prefixes: Flink's keys have no prefix extractor, and a state read is a point lookup.
        return currentOptions.setMemtablePrefixBloomSizeRatio(SIZE_RATIO).setMemtableWholeKeyFiltering(true);
    }
}
