package io.flinkrnn.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.jobs.state.FixtureJob;
import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.fixtures.KerasExpectations;
import io.flinkrnn.operators.RnnEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code flink-rnn state bootstrap}: job A serves history and live events; job B starts from a
 * savepoint bootstrapped from the history alone, at another parallelism and backend, and serves the
 * live events. B's outputs must be A's, bit for bit (docs/SEMANTICS.md section 10), and both Keras's.
 */
class StateBootstrapTest extends StateCliTest {

    static final Fixture SWAP = Fixture.named("keras3_swap");
    static final int COPIES = 50;

    @Test
    void aJobStartedFromTheBootstrapContinuesBitForBitAsTheJobThatServedTheHistory() throws Exception {
        int cut = SWAP.meta().path("swap_row").asInt();
        int end = SWAP.eventRows().size();
        List<RnnEvent> history = FixtureJob.copies(SWAP, 0, cut, COPIES);
        List<RnnEvent> live = FixtureJob.copies(SWAP, cut, end, COPIES);
        Path v1 = SWAP.dir().resolve("v1.keras");

        List<RnnEvent> all = new ArrayList<>(history);
        all.addAll(live);
        List<CsvRow> a = FixtureJob.run(v1, null, all, 2, "hashmap");
        KerasExpectations.assertMatches(a, FixtureJob.expectedCopies(SWAP, 0, end, COPIES));

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
                        "256"))
                .as(err.toString())
                .isZero();
        assertThat(out.toString())
                .contains(": " + 3 * COPIES + " keys from " + String.format("%,d", history.size()) + " events of ")
                .contains("model v1.keras [input 4, LSTM(8, 8), output 2]");

        List<CsvRow> b = FixtureJob.run(v1, savepoint.toUri().toString(), live, 3, "rocksdb");
        KerasExpectations.assertMatches(b, FixtureJob.expectedCopies(SWAP, cut, end, COPIES));
        FixtureJob.assertSameBits(b, a, live);

        assertThat(state("inspect", "--savepoint", savepoint.toString(), "--model", v1.toString()))
                .as(err.toString())
                .isZero();
        assertThat(out.toString())
                .contains("max parallelism 256")
                .contains("written by: model v1.keras [input 4, LSTM(8, 8), output 2]")
                .contains("keys: " + 3 * COPIES + " (0 reset");
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
