package io.flinkrnn.operators;

import static io.flinkrnn.operators.ClusterJobs.collect;
import static io.flinkrnn.operators.ClusterJobs.inference;
import static io.flinkrnn.operators.ClusterJobs.phase;
import static io.flinkrnn.operators.ClusterJobs.restoreFrom;
import static io.flinkrnn.operators.KerasOutputs.assertMatches;

import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.operators.state.KeyStateSerializer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Savepoints that earlier builds wrote ({@link StateSavepoints}, committed) restored by this one:
 * every key continues exactly as Keras continues it. Each later change of the key state layout adds
 * its own savepoints here and keeps these green.
 */
@Timeout(300)
class StateUpgradeClusterTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(3)
            .build());

    @TempDir
    Path checkpoints;

    /** A canonical savepoint of the hashmap backend restores on RocksDB as well. */
    @ParameterizedTest(name = "layout {0} on {1}, restored on {2} at parallelism 3")
    @CsvSource({
        "1, hashmap, hashmap",
        "1, rocksdb, rocksdb",
        "2, hashmap, hashmap",
        "2, rocksdb, rocksdb",
        "1, hashmap, rocksdb",
        "2, hashmap, rocksdb"
    })
    void committedSavepointContinuesAsKeras(int layout, String writtenOn, String restoredOn) throws Exception {
        int cut = StateSavepoints.cut();
        List<RnnEvent> tail = StateSavepoints.events(cut, StateSavepoints.size());
        StreamExecutionEnvironment env =
                ClusterJobs.env(checkpoints, 3, restoredOn, restoreFrom(StateSavepoints.path(layout, writtenOn)));
        List<Prediction> outputs = collect(
                inference(RnnInference.forModel(StateSavepoints.v1()), phase(env, tail, 0, tail.size(), 1, false)));
        assertMatches(outputs, StateSavepoints.expected(cut, StateSavepoints.size()));
    }

    /**
     * Across backends and back: the hashmap savepoint restored on RocksDB at parallelism 2 serves
     * half the tail and stops with a canonical savepoint, which the hashmap backend restores at
     * parallelism 3 for the rest. Every key continues as Keras does.
     */
    @Test
    void hashmapToRocksDbAndBack() throws Exception {
        int cut = StateSavepoints.cut();
        int mid = (cut + StateSavepoints.size()) / 2;
        List<RnnEvent> tail = StateSavepoints.events(cut, StateSavepoints.size());
        int first = StateSavepoints.events(cut, mid).size();
        List<Prediction> outputs = new ArrayList<>();
        StreamExecutionEnvironment rocks = ClusterJobs.env(
                checkpoints, 2, "rocksdb", restoreFrom(StateSavepoints.path(KeyStateSerializer.LAYOUT, "hashmap")));
        String back = ClusterJobs.runUntilThenStop(
                rocks,
                checkpoints,
                inference(RnnInference.forModel(StateSavepoints.v1()), phase(rocks, tail, 0, first, 1, true)),
                first,
                outputs);
        StreamExecutionEnvironment heap = ClusterJobs.env(checkpoints, 3, "hashmap", restoreFrom(back));
        outputs.addAll(collect(inference(
                RnnInference.forModel(StateSavepoints.v1()), phase(heap, tail, first, tail.size(), 2, false))));
        assertMatches(outputs, StateSavepoints.expected(cut, StateSavepoints.size()));
    }

    /**
     * Session gaps measure from each key's last event timestamp, which the savepoint keeps: restored
     * at parallelism 3 with a 1 s gap, the even copies continue their tails at their own timestamps
     * (Keras's continuation), while the odd copies get the whole fixture again 1,000 s later and
     * start over from zero (Keras's outputs from the first row).
     */
    @ParameterizedTest(name = "layout {0}")
    @ValueSource(ints = {1, 2})
    void sessionGapsHoldAcrossARestoreAtAnotherParallelism(int layout) throws Exception {
        int cut = StateSavepoints.cut();
        int size = StateSavepoints.size();
        long later = 1_000_000;
        List<CsvRow> tails = KeyCopies.rows(StateSavepoints.SWAP.eventRows(), cut, size, StateSavepoints.COPIES);
        List<CsvRow> again =
                shifted(KeyCopies.rows(StateSavepoints.SWAP.eventRows(), 0, size, StateSavepoints.COPIES), later);
        List<CsvRow> events =
                new ArrayList<>(tails.stream().filter(r -> evenCopy(r.key())).toList());
        events.addAll(again.stream().filter(r -> !evenCopy(r.key())).toList());
        List<CsvRow> expected = new ArrayList<>(StateSavepoints.expected(cut, size).stream()
                .filter(r -> evenCopy(r.key()))
                .toList());
        expected.addAll(shifted(StateSavepoints.expected(0, size), later).stream()
                .filter(r -> !evenCopy(r.key()))
                .toList());

        StreamExecutionEnvironment env =
                ClusterJobs.env(checkpoints, 3, "rocksdb", restoreFrom(StateSavepoints.path(layout, "hashmap")));
        List<RnnEvent> input = KerasOutputs.events(events);
        List<Prediction> outputs = collect(inference(
                RnnInference.forModel(StateSavepoints.v1()).sessionGap(Duration.ofSeconds(1)),
                phase(env, input, 0, input.size(), 1, false)));
        assertMatches(outputs, expected);
    }

    private static boolean evenCopy(String key) {
        return Integer.parseInt(key.substring(1, key.indexOf('/'))) % 2 == 0;
    }

    private static List<CsvRow> shifted(List<CsvRow> rows, long by) {
        return rows.stream()
                .map(r -> new CsvRow(r.key(), r.t() + by, r.values()))
                .toList();
    }
}
