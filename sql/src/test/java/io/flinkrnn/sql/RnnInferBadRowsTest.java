package io.flinkrnn.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.fixtures.KerasExpectations;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad rows between a fixture's events: each gives no prediction and changes no state (every key's
 * outputs still equal Keras's), and with {@code errors => 'emit'} answers one row with its reason.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RnnInferBadRowsTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @TempDir
    java.nio.file.Path checkpoints;

    @Test
    void badRowsChangeNoStateAndSayWhy() throws Exception {
        Fixture fixture = Fixture.named("keras3_lstm_seq");
        List<Row> rows = new ArrayList<>(FixtureTables.rows(fixture, false));
        // Right behind the key's first events, where a changed state would show in every later output.
        rows.add(3, FixtureTables.row("k0", 100, false, new Float[] {1f, 2f, 3f}));
        rows.add(5, FixtureTables.row("k0", 101, false, new Float[] {1f, Float.NaN, 3f, 4f}));
        rows.add(7, FixtureTables.row("user_42", 102, false, new Float[] {1f, null, 3f, 4f}));
        rows.add(9, FixtureTables.row("user_42", 103, false, null));
        rows.add(11, FixtureTables.row("k0", 104, false, new Float[] {1f, Float.POSITIVE_INFINITY, 3f, 4f}));

        StreamExecutionEnvironment env = FixtureTables.env(checkpoints.toUri().toString(), 2, null);
        StreamTableEnvironment tables = FixtureTables.tables(env);
        FixtureTables.register(env, tables, rows, 0, rows.size(), false, "events");
        String call = "SELECT * FROM RNN_INFER(input => TABLE events PARTITION BY key, model => '"
                + fixture.file("keras").orElseThrow() + "', features => DESCRIPTOR(xs), errors => 'emit')";
        List<Row> outputs = new ArrayList<>();
        try (CloseableIterator<Row> it = tables.sqlQuery(call).execute().collect()) {
            it.forEachRemaining(outputs::add);
        }
        List<String> errors = outputs.stream()
                .filter(r -> r.getField("error") != null)
                .map(r -> r.getField("key") + ": " + r.getField("error"))
                .toList();
        assertThat(errors)
                .containsExactlyInAnyOrder(
                        "k0: expected 4 features, got 3",
                        "k0: feature xs[2] is NaN",
                        "user_42: feature xs[2] is null",
                        "user_42: features column xs is null",
                        "k0: feature xs[2] is Infinity");
        List<Row> predictions =
                outputs.stream().filter(r -> r.getField("error") == null).toList();
        KerasExpectations.assertMatches(
                FixtureTables.inKeyOrder(predictions, fixture.expectedRows()), fixture.expectedRows());
    }

    /** With {@code on_time}, a second row of a key at a time already waiting is a bad row: a resend. */
    @Test
    void aResendOfAWaitingRowIsABadRow() throws Exception {
        Fixture fixture = Fixture.named("keras3_lstm_seq");
        List<Row> rows = new ArrayList<>(FixtureTables.rows(fixture, false));
        rows.add(20, FixtureTables.row("k0", 2, false, new Float[] {9f, 9f, 9f, 9f}));

        StreamExecutionEnvironment env = FixtureTables.env(checkpoints.toUri().toString(), 2, null);
        StreamTableEnvironment tables = FixtureTables.tables(env);
        FixtureTables.register(env, tables, rows, 0, rows.size(), false, "events");
        String call = "SELECT * FROM RNN_INFER(input => TABLE events PARTITION BY key, model => '"
                + fixture.file("keras").orElseThrow()
                + "', features => DESCRIPTOR(xs), on_time => DESCRIPTOR(ts), errors => 'emit')";
        List<Row> outputs = new ArrayList<>();
        try (CloseableIterator<Row> it = tables.sqlQuery(call).execute().collect()) {
            it.forEachRemaining(outputs::add);
        }
        assertThat(outputs.stream()
                        .filter(r -> r.getField("error") != null)
                        .map(r -> r.getField("key") + ": " + r.getField("error")))
                .containsExactly("k0: a row of this key at time 2 is already waiting");
        List<CsvRow> predictions = outputs.stream()
                .filter(r -> r.getField("error") == null)
                .map(r -> FixtureTables.output(r, ((Instant) r.getField("rowtime")).toEpochMilli()))
                .toList();
        KerasExpectations.assertMatches(predictions, fixture.expectedRows());
    }
}
