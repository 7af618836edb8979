package io.flinkrnn.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.jobs.state.FixtureJob;
import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.fixtures.KerasExpectations;
import io.flinkrnn.operators.RnnEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code flink-rnn state edit} on the committed savepoints, then the edited savepoint restored in a
 * job at another parallelism and backend that serves the fixture's remaining events: every kept key
 * continues to Keras's own outputs, and every dropped or reset key, fed its events from the first,
 * gives Keras's outputs from zero state, as a fresh key does.
 */
class StateEditTest extends StateCliTest {

    static final Fixture SWAP = Fixture.named("keras3_swap");
    static final int COPIES = 100;

    private static int cut() {
        return SWAP.meta().path("swap_row").asInt();
    }

    @ParameterizedTest(name = "{1} from a layout-{0} {2} savepoint, restored on {3}")
    @CsvSource({
        "2, --drop-keys, rocksdb, hashmap",
        "2, --reset-keys, hashmap, rocksdb",
        "1, --drop-keys, hashmap, hashmap"
    })
    void listedKeysStartFreshAndTheOthersContinueExactly(int layout, String flag, String from, String restoreOn)
            throws Exception {
        Set<String> listed = new HashSet<>();
        for (int c = 0; c < 10; c++) {
            for (String key : List.of("k0", "sensor-1", "user_42")) {
                listed.add("c" + c + "/" + key);
            }
        }
        Path keys = dir.resolve("keys.txt");
        Files.write(keys, new ArrayList<>(listed));
        Files.writeString(keys, "\nnobody\n", StandardOpenOption.APPEND);
        Path edited = dir.resolve("edited");

        assertThat(state(
                        "edit",
                        "--savepoint",
                        StateCommandTest.savepoint(layout, from),
                        "--out",
                        edited.toString(),
                        flag,
                        keys.toString()))
                .as(err.toString())
                .isZero();
        assertThat(out.toString())
                .contains((flag.equals("--drop-keys") ? "dropped " : "reset ") + "30 of the 31 keys in " + keys)
                .contains("kept 270");

        restoreAndCompare(edited, listed, restoreOn);
    }

    @Test
    void idleKeysAreDropped() throws Exception {
        int cut = cut();
        Map<String, Long> last =
                SWAP.eventRows().subList(0, cut).stream().collect(Collectors.toMap(CsvRow::key, CsvRow::t, Math::max));
        long newest = last.values().stream().mapToLong(Long::longValue).max().orElseThrow();
        Set<String> idle = new HashSet<>();
        for (Map.Entry<String, Long> key : last.entrySet()) {
            if (newest - key.getValue() > 5) {
                for (int c = 0; c < COPIES; c++) {
                    idle.add("c" + c + "/" + key.getKey());
                }
            }
        }
        assertThat(idle).as("the fixture has a key idle longer than 5 ms").isNotEmpty();
        Path edited = dir.resolve("edited");

        assertThat(state(
                        "edit",
                        "--savepoint",
                        StateCommandTest.savepoint(2, "hashmap"),
                        "--out",
                        edited.toString(),
                        "--drop-idle",
                        "5ms"))
                .as(err.toString())
                .isZero();
        assertThat(out.toString())
                .contains("dropped " + idle.size() + " keys idle longer than PT0.005S before " + newest);

        restoreAndCompare(edited, idle, "rocksdb");
    }

    /** Restores at parallelism 3; keys in {@code fresh} get all their events, the others those after the swap row. */
    private void restoreAndCompare(Path edited, Set<String> fresh, String backend) throws Exception {
        List<CsvRow> events = SWAP.eventRows();
        List<CsvRow> keras = SWAP.expectedRows();
        List<RnnEvent> live = new ArrayList<>();
        List<CsvRow> expected = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            for (int c = 0; c < COPIES; c++) {
                String key = "c" + c + "/" + events.get(i).key();
                if (i >= cut() || fresh.contains(key)) {
                    live.add(FixtureJob.event(key, events.get(i)));
                    expected.add(new CsvRow(key, keras.get(i).t(), keras.get(i).values()));
                }
            }
        }
        List<CsvRow> outputs =
                FixtureJob.run(SWAP.dir().resolve("v1.keras"), edited.toUri().toString(), live, 3, backend);
        KerasExpectations.assertMatches(outputs, expected);
    }

    @Test
    void badInputIsOneLine() throws Exception {
        assertThat(state(
                        "edit",
                        "--savepoint",
                        StateCommandTest.savepoint(2, "hashmap"),
                        "--out",
                        dir.resolve("out").toString(),
                        "--drop-keys",
                        dir.resolve("missing.txt").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).isEqualTo("error: no such key file: " + dir.resolve("missing.txt") + "\n");
        assertThat(state(
                        "edit",
                        "--savepoint",
                        dir.resolve("none").toString(),
                        "--out",
                        dir.resolve("out").toString(),
                        "--drop-idle",
                        "1d"))
                .isEqualTo(2);
        assertThat(err.toString()).startsWith("error: no savepoint at ").hasLineCount(1);
    }
}
