package io.flinkrnn.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.jobs.state.FixtureJob;
import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.fixtures.KerasExpectations;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.RnnOptions.StatePrecision;
import io.flinkrnn.operators.internal.EnumOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code flink-rnn state bootstrap}: job A serves history and live events; job B starts from a
 * savepoint bootstrapped from the history alone, at another parallelism and backend, and serves the
 * live events. B's outputs must be A's, bit for bit (docs/SEMANTICS.md section 10), and both Keras's;
 * with bfloat16 state too, which the bootstrap writes as the job rounds it and {@code edit} keeps.
 */
class StateBootstrapTest extends StateCliTest {

    static final Fixture SWAP = Fixture.named("keras3_swap");
    static final int COPIES = 50;

    @ParameterizedTest
    @EnumSource(names = {"FLOAT32", "BFLOAT16"})
    void aJobStartedFromTheBootstrapContinuesBitForBitAsTheJobThatServedTheHistory(StatePrecision precision)
            throws Exception {
        double tolerance = precision == StatePrecision.FLOAT32 ? KerasExpectations.TOLERANCE : 3e-3;
        int cut = SWAP.meta().path("swap_row").asInt();
        int end = SWAP.eventRows().size();
        List<RnnEvent> history = FixtureJob.copies(SWAP, 0, cut, COPIES);
        List<RnnEvent> live = FixtureJob.copies(SWAP, cut, end, COPIES);
        Path v1 = SWAP.dir().resolve("v1.keras");

        List<RnnEvent> all = new ArrayList<>(history);
        all.addAll(live);
        List<CsvRow> a = FixtureJob.run(v1, null, all, 2, "hashmap", precision);
        KerasExpectations.assertMatches(a, FixtureJob.expectedCopies(SWAP, 0, end, COPIES), tolerance);

        Path csv = dir.resolve("history.csv");
        FixtureJob.writeHistory(csv, history);
        Path savepoint = dir.resolve("bootstrapped");
        assertThat(state(
                        "bootstrap",
                        "--model",
                        v1.toString(),
                        "--history",
                        csv.toString(),
                        "--out",
                        savepoint.toString(),
                        "--max-parallelism",
                        "256",
                        "--state-precision",
                        EnumOptions.name(precision)))
                .as(err.toString())
                .isZero();
        assertThat(out.toString())
                .contains(": " + 3 * COPIES + " keys from " + String.format("%,d", history.size()) + " events of ")
                .contains("model v1.keras [input 4, LSTM(8, 8), output 2]");

        List<CsvRow> b = FixtureJob.run(v1, savepoint.toUri().toString(), live, 3, "rocksdb", precision);
        KerasExpectations.assertMatches(b, FixtureJob.expectedCopies(SWAP, cut, end, COPIES), tolerance);
        Set<String> liveEvents = new HashSet<>();
        live.forEach(e -> liveEvents.add(e.key() + "@" + e.timestamp()));
        List<CsvRow> aLive = new ArrayList<>(a.stream()
                .filter(r -> liveEvents.contains(r.key() + "@" + r.t()))
                .toList());
        List<CsvRow> bAll = new ArrayList<>(b);
        Comparator<CsvRow> order = Comparator.comparing(CsvRow::key).thenComparingLong(CsvRow::t);
        aLive.sort(order);
        bAll.sort(order);
        assertThat(bAll).hasSameSizeAs(aLive);
        for (int i = 0; i < aLive.size(); i++) {
            assertThat(bAll.get(i).key()).isEqualTo(aLive.get(i).key());
            assertThat(bAll.get(i).t()).isEqualTo(aLive.get(i).t());
            assertThat(bAll.get(i).values())
                    .as(
                            "key %s t %d, bit for bit",
                            aLive.get(i).key(), aLive.get(i).t())
                    .usingElementComparator((x, y) -> Integer.compare(Float.floatToIntBits(x), Float.floatToIntBits(y)))
                    .containsExactly(aLive.get(i).values());
        }

        assertThat(state("inspect", "--savepoint", savepoint.toString(), "--model", v1.toString()))
                .as(err.toString())
                .isZero();
        assertThat(out.toString())
                .contains("max parallelism 256")
                .contains("written by: model v1.keras [input 4, LSTM(8, 8), output 2]")
                .contains("keys: " + 3 * COPIES + " (0 reset")
                .contains(", " + EnumOptions.name(precision) + " values");

        Path drop = dir.resolve("drop.txt");
        Files.writeString(drop, history.get(0).key() + "\n");
        Path edited = dir.resolve("edited");
        assertThat(state(
                        "edit",
                        "--savepoint",
                        savepoint.toString(),
                        "--out",
                        edited.toString(),
                        "--drop-keys",
                        drop.toString()))
                .as(err.toString())
                .isZero();
        assertThat(state("inspect", "--savepoint", edited.toString()))
                .as(err.toString())
                .isZero();
        // 16 bytes of header and the LSTM(8)'s h and c, its last output and event counter: 2 or 4 bytes each.
        assertThat(out.toString())
                .contains("keys: " + (3 * COPIES - 1) + " (0 reset")
                .contains(", " + EnumOptions.name(precision) + " values")
                .contains(", " + (precision == StatePrecision.FLOAT32 ? 92 : 54) + " of serialized state");
    }

    @Test
    void badInputIsOneLine() throws Exception {
        Path v1 = SWAP.dir().resolve("v1.keras");
        Path csv = dir.resolve("history.csv");
        Files.writeString(csv, "key,t,x0,x1\nk,1,0.5,0.5\n");
        assertThat(state(
                        "bootstrap",
                        "--model",
                        v1.toString(),
                        "--history",
                        csv.toString(),
                        "--out",
                        dir.resolve("sp").toString()))
                .isEqualTo(2);
        assertThat(err.toString())
                .isEqualTo("error: " + csv + " line 1: the header names 2 features, the model takes 4\n");
        assertThat(state(
                        "bootstrap",
                        "--model",
                        v1.toString(),
                        "--history",
                        dir.resolve("none.csv").toString(),
                        "--out",
                        dir.resolve("sp").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).isEqualTo("error: no such history file: " + dir.resolve("none.csv") + "\n");
        assertThat(state(
                        "bootstrap",
                        "--model",
                        v1.toString(),
                        "--history",
                        csv.toString(),
                        "--out",
                        dir.resolve("sp").toString(),
                        "--max-parallelism",
                        "0"))
                .isEqualTo(2);
        assertThat(err.toString()).isEqualTo("error: --max-parallelism must be between 1 and 32768, got 0\n");
    }
}
