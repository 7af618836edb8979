package io.flinkrnn.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code flink-rnn state} as a user runs it, on the savepoints the operators module commits
 * ({@code operators/src/test/resources/savepoints}: Keras's {@code keras3_swap} v1 over 100 copies
 * {@code c<copy>/<key>} of the fixture's keys, up to its swap row).
 */
class StateCommandTest extends StateCliTest {

    static final Fixture SWAP = Fixture.named("keras3_swap");

    static String savepoint(int layout, String backend) {
        return Fixture.root()
                .getParent()
                .resolve("operators/src/test/resources/savepoints/layout-" + layout + "/" + backend)
                .toString();
    }

    /** Each fixture key's last timestamp before the swap row: what the savepoints hold. */
    private static Map<String, Long> lastTimestamps() {
        int cut = SWAP.meta().path("swap_row").asInt();
        return SWAP.eventRows().subList(0, cut).stream().collect(Collectors.toMap(CsvRow::key, CsvRow::t, Math::max));
    }

    @ParameterizedTest(name = "layout {0}, {1}")
    @CsvSource({
        "1, hashmap, canonical",
        "1, rocksdb, RocksDB native",
        "2, hashmap, canonical",
        "2, rocksdb, RocksDB native"
    })
    void inspectSummarizesEverySavepoint(int layout, String backend, String format) {
        Map<String, Long> last = lastTimestamps();
        long newest = last.values().stream().mapToLong(Long::longValue).max().orElseThrow();
        long idle = last.values().stream().filter(t -> newest - t > 5).count() * 100;

        assertThat(state("inspect", "--savepoint", savepoint(layout, backend), "--idle-longer-than", "5ms"))
                .as(err.toString())
                .isZero();
        String summary = out.toString();
        assertThat(summary)
                .contains("operator uid flink-rnn: " + format + " keyed state, max parallelism 128")
                .contains("state format: key state layout " + layout + " (this build reads 1 to 2)")
                .contains(
                        layout == 1
                                ? "written by: model not recorded"
                                : "written by: model v1.keras [input 4, LSTM(8, 8), output 2]")
                .contains("keys: " + last.size() * 100 + " (0 reset after their last event")
                .contains(", 92 of serialized state") // 16-byte header, 19 floats: h, c, last output, seen
                .contains("idle longer than PT0.005S before " + newest + ": " + idle + " keys");
        String histogram = summary.lines()
                .filter(l -> l.startsWith("keys per key group (128 groups): min "))
                .findFirst()
                .orElseThrow();
        Matcher groups = Pattern.compile("(\\d+) groups").matcher(histogram.substring(histogram.indexOf(';')));
        int total = 0;
        while (groups.find()) {
            total += Integer.parseInt(groups.group(1));
        }
        assertThat(total).as("every key group in one bucket").isEqualTo(128);
    }

    @Test
    void inspectWritesEveryKeysStatesNamedAsKeras() throws Exception {
        Path csv = dir.resolve("states.csv");
        assertThat(state(
                        "inspect",
                        "--savepoint",
                        savepoint(2, "rocksdb"),
                        "--model",
                        SWAP.dir().resolve("v1.keras").toString(),
                        "--out",
                        csv.toString()))
                .as(err.toString())
                .isZero();
        List<String> rows = Files.readAllLines(csv);
        String[] header = rows.get(0).split(",");
        assertThat(Arrays.asList(header).subList(0, 4)).containsExactly("key", "key_group", "last_timestamp", "epoch");
        assertThat(header).hasSize(4 + 16);
        assertThat(header[4]).endsWith("/h[0]");
        assertThat(header[12]).endsWith("/c[0]");
        assertThat(rows).hasSize(1 + lastTimestamps().size() * 100);
        Map<String, Long> last = lastTimestamps();
        assertThat(rows.subList(1, rows.size())).allSatisfy(row -> {
            String[] cells = row.split(",");
            String key = cells[0].substring(cells[0].indexOf('/') + 1);
            assertThat(Long.parseLong(cells[2])).as(row).isEqualTo(last.get(key));
        });

        assertThat(state("inspect", "--savepoint", savepoint(2, "hashmap"), "--key", "c7/k0", "--key", "c7/late-3"))
                .isZero();
        assertThat(out.toString())
                .contains("key c7/k0: last timestamp " + last.get("k0") + ", epoch 0, state [")
                .contains("key c7/late-3: no state");
    }

    @Test
    void parquetHoldsTheCsvsRowsAndColumns() throws Exception {
        Path csv = dir.resolve("states.csv");
        Path parquet = dir.resolve("states.parquet");
        for (Path out : List.of(csv, parquet)) {
            assertThat(state(
                            "inspect",
                            "--savepoint",
                            savepoint(2, "hashmap"),
                            "--model",
                            SWAP.dir().resolve("v1.keras").toString(),
                            "--out",
                            out.toString()))
                    .as(err.toString())
                    .isZero();
        }
        List<String> csvRows = Files.readAllLines(csv);
        ParquetRows read = ParquetRows.read(parquet);
        assertThat(String.join(",", read.columns())).isEqualTo(csvRows.get(0));
        assertThat(read.rows())
                .hasSize(csvRows.size() - 1)
                .hasSize(lastTimestamps().size() * 100);
        // Each run reads the key groups in its own order: rows are matched by key.
        Map<Object, List<Object>> byKey = read.rows().stream().collect(Collectors.toMap(row -> row.get(0), row -> row));
        for (String csvRow : csvRows.subList(1, csvRows.size())) {
            String[] cells = csvRow.split(",");
            List<Object> row = byKey.get(cells[0]);
            assertThat(row).as(csvRow).isNotNull();
            assertThat(row.subList(0, 4))
                    .as(csvRow)
                    .containsExactly(
                            cells[0], Integer.parseInt(cells[1]), Long.parseLong(cells[2]), Integer.parseInt(cells[3]));
            for (int c = 4; c < cells.length; c++) {
                // Float.toString gives back the same float: the two files hold the same bits.
                assertThat(row.get(c)).as(read.columns().get(c)).isEqualTo(Float.parseFloat(cells[c]));
            }
        }
    }

    @Test
    void badInputIsOneLine() throws Exception {
        assertThat(state("inspect", "--savepoint", dir.resolve("nothing").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).startsWith("error: no savepoint at ").hasLineCount(1);

        Path notASavepoint = Files.createDirectories(dir.resolve("not-a-savepoint"));
        Files.writeString(notASavepoint.resolve("_metadata"), "key,t\n");
        assertThat(state("inspect", "--savepoint", notASavepoint.toString())).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: not a Flink savepoint: ").hasLineCount(1);

        assertThat(state("inspect", "--savepoint", savepoint(2, "hashmap"), "--uid", "rnn"))
                .isEqualTo(2);
        assertThat(err.toString())
                .contains("has no operator of uid 'rnn'; its operators' uids: dataStreamCollect_9, events-0, flink-rnn")
                .hasLineCount(1);

        Fixture gru = Fixture.named("keras2_gru_reset_after");
        assertThat(state(
                        "inspect",
                        "--savepoint",
                        savepoint(2, "hashmap"),
                        "--model",
                        gru.file("h5").orElseThrow().toString()))
                .isEqualTo(2);
        assertThat(err.toString())
                .contains("holds states of model 'v1.keras' [input 4, LSTM(8, 8), output 2], not of model 'model.h5' [")
                .hasLineCount(1);

        assertThat(state("inspect", "--savepoint", savepoint(2, "hashmap"), "--idle-longer-than", "soon"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("'soon' is not a duration such as 30s, 5min, 2h or 7d");
    }
}
