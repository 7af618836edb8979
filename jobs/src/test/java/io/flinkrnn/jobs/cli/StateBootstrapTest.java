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
import java.util.List;
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
        double tolerance = FixtureJob.kerasTolerance(precision);
        int cut = SWAP.meta().path("swap_row").asInt();
        int end = SWAP.eventRows().size();
        List<RnnEvent> history = FixtureJob.copies(SWAP, 0, cut, COPIES);
        List<RnnEvent> live = FixtureJob.copies(SWAP, cut, end, COPIES);
        Path v1 = SWAP.dir().resolve("v1.keras");

        List<RnnEvent> all = new ArrayList<>(history);
        all.addAll(live);
        List<CsvRow> a = FixtureJob.run(v1, null, all, 2, "hashmap", null, precision);
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

        List<CsvRow> b = FixtureJob.run(v1, savepoint.toUri().toString(), live, 3, "rocksdb", null, precision);
        KerasExpectations.assertMatches(b, FixtureJob.expectedCopies(SWAP, cut, end, COPIES), tolerance);
        FixtureJob.assertSameBits(b, a, live);

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
        Path csv = dir.resolve("history.csv");
        Files.writeString(csv, "key,t,x0,x1\nk,1,0.5,0.5\n");
        assertThat(bootstrap(csv)).isEqualTo(2);
        assertThat(err.toString())
                .isEqualTo("error: " + csv + " line 1: the header names 2 features, the model takes 4\n");
        assertThat(bootstrap(dir.resolve("none.csv"))).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("error: no such history file: " + dir.resolve("none.csv") + "\n");
        assertThat(bootstrap(csv, "--max-parallelism", "0")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("error: --max-parallelism must be between 1 and 32768, got 0\n");
        Path noDir = dir.resolve("no-such-dir");
        assertThat(bootstrap(csv, "--temp-dir", noDir.toString())).isEqualTo(2);
        assertThat(err.toString())
                .startsWith("error: cannot make a directory for the history's buckets in " + noDir + ": ")
                .hasLineCount(1);
    }

    /** {@code state bootstrap} of {@code history} with v1, into a scratch savepoint, with {@code more} options. */
    private int bootstrap(Path history, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "bootstrap",
                "--model",
                SWAP.dir().resolve("v1.keras").toString(),
                "--history",
                history.toString(),
                "--out",
                dir.resolve("sp").toString()));
        args.addAll(List.of(more));
        return state(args.toArray(String[]::new));
    }
}
