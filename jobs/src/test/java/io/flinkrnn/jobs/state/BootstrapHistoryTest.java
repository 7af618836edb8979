package io.flinkrnn.jobs.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.fixtures.KerasExpectations;
import io.flinkrnn.operators.ModelSource;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.RnnInference;
import io.flinkrnn.operators.RnnOptions.StatePrecision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link RnnStates#bootstrap} serves each key's rows together, whatever their place in the file:
 * keys interleave row by row, one key's history has a session gap, and two rows are rejected (one
 * malformed, one out of its key's order). Job A serves history and live events with the session
 * gap; job B starts from the bootstrap and serves the live events: its outputs are A's bit for bit,
 * both are Keras's, and each key's last timestamp is its last served history row's. With bfloat16
 * state too: every row of every batched step is rounded as the job rounds it.
 */
class BootstrapHistoryTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(3)
            .build());

    private static final Fixture SWAP = Fixture.named("keras3_swap");
    /** 300 keys with a history: more than one engine batch of {@link HistoryStepper#BATCH}. */
    private static final int COPIES = 100;

    private static final Duration SESSION_GAP = Duration.ofSeconds(10);
    /**
     * Key {@code gap/k0} serves user_42's first events at its own times, then after a pause longer
     * than the session gap k0's whole sequence, shifted by this: from zero state again, so Keras's k0.
     */
    private static final String GAP_KEY = "gap/k0";

    private static final long SHIFT = 100_000;
    private static final int BEFORE_GAP = 5;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(names = {"FLOAT32", "BFLOAT16"})
    void interleavedKeysWithASessionGapAndRejectedRowsBootstrapToTheStatesTheJobHolds(StatePrecision precision)
            throws Exception {
        int cut = SWAP.meta().path("swap_row").asInt();
        int end = SWAP.eventRows().size();
        Path model = SWAP.dir().resolve("v1.keras");
        List<RnnEvent> history = new ArrayList<>();
        List<CsvRow> expected = new ArrayList<>(FixtureJob.expectedCopies(SWAP, 0, end, COPIES));
        for (int i = 0, taken = 0; taken < BEFORE_GAP; i++) {
            if (SWAP.eventRows().get(i).key().equals("user_42")) {
                history.add(FixtureJob.event(GAP_KEY, SWAP.eventRows().get(i)));
                expected.add(renamed(SWAP.expectedRows().get(i), 0));
                taken++;
            }
        }
        List<RnnEvent> live = new ArrayList<>();
        List<CsvRow> expectedLive = new ArrayList<>(FixtureJob.expectedCopies(SWAP, cut, end, COPIES));
        for (int i = 0; i < end; i++) {
            List<RnnEvent> part = i < cut ? history : live;
            part.addAll(FixtureJob.copies(SWAP, i, i + 1, COPIES));
            CsvRow row = SWAP.eventRows().get(i);
            if (row.key().equals("k0")) {
                part.add(new RnnEvent(GAP_KEY, row.t() + SHIFT, row.values()));
                expected.add(renamed(SWAP.expectedRows().get(i), SHIFT));
                if (i >= cut) {
                    expectedLive.add(renamed(SWAP.expectedRows().get(i), SHIFT));
                }
            }
        }

        List<CsvRow> a = FixtureJob.run(model, null, concat(history, live), 2, "hashmap", SESSION_GAP, precision);
        KerasExpectations.assertMatches(a, expected, FixtureJob.kerasTolerance(precision));

        Path csv = dir.resolve("history.csv");
        FixtureJob.writeHistory(csv, history);
        List<String> lines = new ArrayList<>(Files.readAllLines(csv));
        // Rows no job would serve: had they been, c1/user_42 and c2/k0 would diverge from Keras.
        int outOfOrder = lines.indexOf(lines.stream()
                        .filter(l -> l.startsWith("c1/user_42,5,"))
                        .findFirst()
                        .orElseThrow())
                + 1;
        lines.add(outOfOrder, "c1/user_42,2,9,9,9,9");
        int malformed = lines.size() - 3;
        lines.add(malformed, "c2/k0,1000,NaN,0,0,0");
        Files.write(csv, lines);
        String savepoint = dir.resolve("bootstrapped").toUri().toString();
        RnnStates.Bootstrap written = RnnStates.bootstrap(
                RnnInference.forModel(ModelSource.of(model))
                        .sessionGap(SESSION_GAP)
                        .statePrecision(precision),
                csv,
                savepoint,
                128,
                RnnStates.DEFAULT_UID,
                new HashMapStateBackend(),
                dir,
                progress -> {});
        assertThat(written.history())
                .isEqualTo(new HistoryCsv.Scan(
                        // late-3 has no event before the cut: its copies start fresh in B.
                        3L * COPIES + 1,
                        history.size(),
                        2,
                        csv + " line " + (outOfOrder + 1) + ": t=2 is not after the key's last t=5"));
        assertThat(dir)
                .as("the buckets are gone")
                .isDirectoryNotContaining(p -> p.getFileName().toString().startsWith("flink-rnn-bootstrap-"));

        Map<String, Long> lastServed = new HashMap<>();
        history.forEach(e -> lastServed.put(e.key(), e.timestamp()));
        Map<String, Long> lastSaved = new HashMap<>();
        try (CloseableIterator<RnnKeyState> keys = RnnStates.open(savepoint).keys()) {
            keys.forEachRemaining(k -> lastSaved.put(k.key(), k.lastTimestamp()));
        }
        assertThat(lastSaved).isEqualTo(lastServed);

        List<CsvRow> b = FixtureJob.run(model, savepoint, live, 3, "rocksdb", SESSION_GAP, precision);
        KerasExpectations.assertMatches(b, expectedLive, FixtureJob.kerasTolerance(precision));
        FixtureJob.assertSameBits(b, a, live);
    }

    private static CsvRow renamed(CsvRow keras, long shift) {
        return new CsvRow(GAP_KEY, keras.t() + shift, keras.values());
    }

    private static List<RnnEvent> concat(List<RnnEvent> first, List<RnnEvent> then) {
        List<RnnEvent> all = new ArrayList<>(first);
        all.addAll(then);
        return all;
    }
}
