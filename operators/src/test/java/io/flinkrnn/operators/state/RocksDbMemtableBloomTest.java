package io.flinkrnn.operators.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.junit.jupiter.api.Test;
import org.rocksdb.ColumnFamilyOptions;

class RocksDbMemtableBloomTest {

    @Test
    void turnsOnAWholeKeyBloomFilterInEveryMemtable() {
        try (ColumnFamilyOptions options = new ColumnFamilyOptions()) {
            new RocksDbMemtableBloom().createColumnOptions(options, new ArrayList<>());

            assertThat(options.memtableWholeKeyFiltering()).isTrue();
            assertThat(options.memtablePrefixBloomSizeRatio()).isEqualTo(RocksDbMemtableBloom.SIZE_RATIO);
        }
    }

    @Test
    void isTheFactoryRocksDbUsesWhenNamedInTheConfiguration() {
        Configuration config = new Configuration();
        config.set(RocksDBOptions.OPTIONS_FACTORY, RocksDbMemtableBloom.class.getName());

        EmbeddedRocksDBStateBackend backend =
                new EmbeddedRocksDBStateBackend().configure(config, getClass().getClassLoader());

        assertThat(backend.getRocksDBOptions()).isInstanceOf(RocksDbMemtableBloom.class);
    }
}
