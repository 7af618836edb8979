package io.flinkrnn.jobs.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.fixtures.KerasExpectations;
import io.flinkrnn.operators.OperatorFacts;
import io.flinkrnn.operators.internal.model.ModelLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link RnnStates} on the committed savepoints: every key's state read from each of them, then
 * stepped by the engine over the fixture's remaining events, must give Keras's own outputs of those
 * events and end in Keras's own final states ({@code states.csv}), each named state matching the
 * array Keras names so. That is the example of the library's use, too.
 */
class RnnStatesTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @TempDir
    Path dir;

    @ParameterizedTest(name = "layout {0}, {1}")
    @CsvSource({"1, hashmap", "1, rocksdb", "2, hashmap", "2, rocksdb"})
    void everyKeyContinuesAsKerasFromTheStatesRead(int layout, String backend) throws Exception {
        RnnStates states = RnnStates.open(CommittedSavepoints.path(layout, backend));
        InferenceModel model = CommittedSavepoints.model(CommittedSavepoints.v1());

        assertThat(states.operator().keyLayout()).isEqualTo(layout);
        assertThat(states.operator().nativeRocksDb()).isEqualTo(backend.equals("rocksdb"));
        OperatorFacts facts = states.facts();
        // Layout-1 savepoints predate recording the model that wrote them.
        assertThat(facts.layout())
                .isEqualTo(layout == 1 ? null : ModelLayout.of(model).line());
        states.requireWrittenBy(model, "v1.keras");

        Map<String, RnnKeyState> keys = new HashMap<>();
        try (CloseableIterator<RnnKeyState> it = states.keys()) {
            it.forEachRemaining(k -> keys.put(k.key(), k));
        }
        Map<String, List<CsvRow>> before =
                CommittedSavepoints.rowsByKey(CommittedSavepoints.SWAP.eventRows(), 0, CommittedSavepoints.cut());
        assertThat(keys).hasSize(before.size() * CommittedSavepoints.COPIES);

        List<KerasStates.KerasState> named = KerasStates.of(model);
        assertThat(named).extracting(KerasStates.KerasState::name).containsExactly("h", "c");
        assertThat(named).extracting(KerasStates.KerasState::units).containsExactly(8, 8);
        for (int c = 0; c < CommittedSavepoints.COPIES; c++) {
            for (Map.Entry<String, List<CsvRow>> key : before.entrySet()) {
                RnnKeyState read = keys.get(CommittedSavepoints.copy(c, key.getKey()));
                assertThat(read.lastTimestamp())
                        .isEqualTo(key.getValue().get(key.getValue().size() - 1).t());
                continueAsKeras(model, named, key.getKey(), read.values().clone());
            }
        }
    }

    /** Steps one key's state over its events from the swap row on: Keras's outputs, then Keras's final states. */
    private static void continueAsKeras(
            InferenceModel model, List<KerasStates.KerasState> named, String key, float[] state) {
        List<CsvRow> events = CommittedSavepoints.SWAP.eventRows();
        List<CsvRow> expected = CommittedSavepoints.SWAP.expectedRows();
        float[][] out = new float[1][model.outputSize()];
        boolean[] emitted = new boolean[1];
        for (int i = CommittedSavepoints.cut(); i < events.size(); i++) {
            if (events.get(i).key().equals(key)) {
                model.step(1, new float[][] {events.get(i).values()}, new float[][] {state}, out, emitted);
                KerasExpectations.assertClose(
                        out[0],
                        expected.get(i).values(),
                        "key %s t %d",
                        key,
                        events.get(i).t());
            }
        }
        for (CsvRow row : CsvRow.read(CommittedSavepoints.SWAP.dir().resolve("states.csv"))) {
            if (row.key().equals(key)) {
                KerasStates.KerasState s = named.stream()
                        .filter(n -> n.layer() == row.t() && n.index() == (int) row.values()[0])
                        .findFirst()
                        .orElseThrow();
                float[] keras = Arrays.copyOfRange(row.values(), 1, row.values().length);
                KerasExpectations.assertClose(s.of(state), keras, "key %s state %s", key, s.label());
            }
        }
    }

    /** The library's rewrite: the keys its filter keeps, each with exactly its states, and the counts. */
    @Test
    void rewriteKeepsWhatTheFilterAcceptsBitForBit() throws Exception {
        RnnStates states = RnnStates.open(CommittedSavepoints.path(2, "rocksdb"));
        Map<String, RnnKeyState> before = read(states);
        String out = dir.resolve("rewritten").toUri().toString();

        RnnStates.Rewrite result = states.rewrite(out, key -> !key.key().startsWith("c1"));

        Map<String, RnnKeyState> after = read(RnnStates.open(out));
        assertThat(after.keySet())
                .containsExactlyInAnyOrderElementsOf(before.keySet().stream()
                        .filter(k -> !k.startsWith("c1"))
                        .toList());
        assertThat(result).isEqualTo(new RnnStates.Rewrite(after.size(), before.size() - after.size(), 0));
        after.forEach((key, state) -> {
            RnnKeyState was = before.get(key);
            assertThat(state.lastTimestamp()).isEqualTo(was.lastTimestamp());
            assertThat(state.epoch()).isEqualTo(was.epoch());
            assertThat(Arrays.equals(state.values(), was.values())).as(key).isTrue();
        });
        assertThat(RnnStates.open(out).facts()).isEqualTo(states.facts());
    }

    private static Map<String, RnnKeyState> read(RnnStates states) throws Exception {
        Map<String, RnnKeyState> keys = new HashMap<>();
        try (CloseableIterator<RnnKeyState> it = states.keys()) {
            it.forEachRemaining(k -> keys.put(k.key(), k));
        }
        return keys;
    }

    @Test
    void badInputIsOneLine() throws Exception {
        assertThatThrownBy(() -> RnnStates.open(dir.resolve("missing").toUri().toString()))
                .hasMessageStartingWith(
                        "no savepoint at " + dir.resolve("missing").toUri());
        Path garbage = Files.createDirectories(dir.resolve("garbage"));
        Files.writeString(garbage.resolve("_metadata"), "not a savepoint");
        assertThatThrownBy(() -> RnnStates.open(garbage.toUri().toString()))
                .hasMessageStartingWith("not a Flink savepoint: " + garbage.toUri());

        String savepoint = CommittedSavepoints.path(2, "hashmap");
        assertThatThrownBy(() -> RnnStates.open(savepoint, "inference"))
                .hasMessage("savepoint " + savepoint + " has no operator of uid 'inference'; its operators' "
                        + "uids: dataStreamCollect_9, events-0, flink-rnn");

        Fixture gru = Fixture.named("keras2_gru_reset_after");
        InferenceModel other = CommittedSavepoints.model(gru.file("h5").orElseThrow());
        assertThatThrownBy(() -> RnnStates.open(savepoint).requireWrittenBy(other, "gru.h5"))
                .hasMessage("savepoint " + savepoint + " holds states of model 'v1.keras' [input 4, LSTM(8, 8), "
                        + "output 2], not of model 'gru.h5' [" + ModelLayout.of(other) + "]");
    }
}
