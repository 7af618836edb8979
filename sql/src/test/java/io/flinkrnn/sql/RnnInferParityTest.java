package io.flinkrnn.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.fixtures.KerasExpectations;
import io.flinkrnn.operators.store.ModelStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
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
 * RNN_INFER on a MiniCluster (streaming, parallelism 2, RocksDB) against what real Keras computed
 * for the committed fixtures, every output within 1e-5, including a stop-with-savepoint and restore
 * in the middle of the stream.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RnnInferParityTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .build());

    @TempDir
    Path checkpoints;

    /** A stateful LSTM with resets (reset column), features as four numeric columns, arrival order. */
    @Test
    void statefulModelWithResetsAcrossAStopWithSavepoint() throws Exception {
        Fixture fixture = Fixture.named("keras3_lstm_seq");
        String columns = "CREATE TEMPORARY VIEW columns AS SELECT key, reset_before, xs[1] AS x0, xs[2] AS x1,"
                + " xs[3] AS x2, xs[4] AS x3 FROM events";
        String call = "SELECT * FROM RNN_INFER(input => TABLE columns PARTITION BY key, model => '" + model(fixture)
                + "', features => DESCRIPTOR(x0, x1, x2, x3), resets => DESCRIPTOR(reset_before), uid => 'rnn')";
        assertArrivalOrderParity(fixture, true, columns, call, fixture.expectedResetRows());
    }

    /** A window(8) model, features as one ARRAY<FLOAT> column, arrival order. */
    @Test
    void windowModelAcrossAStopWithSavepoint() throws Exception {
        Fixture fixture = Fixture.named("keras3_window_lstm");
        String call = "SELECT * FROM RNN_INFER(input => TABLE events PARTITION BY key, model => '" + model(fixture)
                + "', features => DESCRIPTOR(xs), mode => 'window', uid => 'rnn')";
        assertArrivalOrderParity(fixture, false, null, call, fixture.expectedRows());
    }

    /**
     * With {@code on_time}, rows shuffled within each key (all ahead of the watermark) are served in
     * event-time order, and each output carries its row's time.
     */
    @Test
    void onTimeServesEachKeyInEventTimeOrder() throws Exception {
        Fixture fixture = Fixture.named("keras3_stacked_long");
        long seed = new Random().nextLong();
        System.out.println("RnnInferParityTest shuffle seed " + seed);
        List<Row> rows = new ArrayList<>(FixtureTables.rows(fixture, false));
        Collections.shuffle(rows, new Random(seed));
        StreamExecutionEnvironment env = FixtureTables.env(checkpoints.toUri().toString(), 2, null);
        StreamTableEnvironment tables = FixtureTables.tables(env);
        FixtureTables.register(env, tables, rows, 0, rows.size(), false, "events");
        String call = "SELECT key, rowtime, y FROM RNN_INFER(input => TABLE events PARTITION BY key, model => '"
                + model(fixture) + "', features => DESCRIPTOR(xs), on_time => DESCRIPTOR(ts), uid => 'rnn')";
        List<CsvRow> outputs = new ArrayList<>();
        try (CloseableIterator<Row> it = tables.sqlQuery(call).execute().collect()) {
            it.forEachRemaining(
                    r -> outputs.add(FixtureTables.output(r, ((Instant) r.getField("rowtime")).toEpochMilli())));
        }
        KerasExpectations.assertMatches(outputs, fixture.expectedRows());
    }

    /** A version in a model store: served as the file is, every output naming that version. */
    @Test
    void aModelFromAStore() throws Exception {
        Fixture fixture = Fixture.named("keras3_lstm_seq");
        String store = checkpoints.resolve("store").toUri().toString();
        ModelStore.at(store).put("sensor", fixture.file("keras").orElseThrow(), null, "v1");
        List<Row> rows = FixtureTables.rows(fixture, false);
        StreamExecutionEnvironment env = FixtureTables.env(checkpoints.toUri().toString(), 2, null);
        StreamTableEnvironment tables = FixtureTables.tables(env);
        FixtureTables.register(env, tables, rows, 0, rows.size(), false, "events");
        String call = "SELECT * FROM RNN_INFER(input => TABLE events PARTITION BY key, model => 'sensor', store => '"
                + store + "', version => 'v1', features => DESCRIPTOR(xs))";
        List<Row> outputs = new ArrayList<>();
        try (CloseableIterator<Row> it = tables.sqlQuery(call).execute().collect()) {
            it.forEachRemaining(outputs::add);
        }
        assertThat(outputs).extracting(r -> r.getField("model_version")).containsOnly("v1");
        KerasExpectations.assertMatches(
                FixtureTables.inKeyOrder(outputs, fixture.expectedRows()), fixture.expectedRows());
    }

    /** @param view a statement creating the view the call reads, or {@code null} */
    private void assertArrivalOrderParity(
            Fixture fixture, boolean resets, String view, String call, List<CsvRow> expected) throws Exception {
        List<Row> rows = FixtureTables.rows(fixture, resets);
        int half = rows.size() / 2;
        List<Row> outputs = new ArrayList<>();

        StreamExecutionEnvironment first = FixtureTables.env(checkpoints.toUri().toString(), 2, null);
        StreamTableEnvironment tables = FixtureTables.tables(first);
        FixtureTables.register(first, tables, rows, 0, half, true, "events-1");
        if (view != null) {
            tables.executeSql(view);
        }
        String savepoint = runUntilThenStop(first, tables, call, outputsOf(rows.subList(0, half), expected), outputs);

        StreamExecutionEnvironment second =
                FixtureTables.env(checkpoints.toUri().toString(), 2, savepoint);
        tables = FixtureTables.tables(second);
        FixtureTables.register(second, tables, rows, half, rows.size(), false, "events-2");
        if (view != null) {
            tables.executeSql(view);
        }
        try (CloseableIterator<Row> it = tables.sqlQuery(call).execute().collect()) {
            it.forEachRemaining(outputs::add);
        }
        KerasExpectations.assertMatches(FixtureTables.inKeyOrder(outputs, expected), expected);
    }

    private static int outputsOf(List<Row> events, List<CsvRow> expected) {
        Set<String> at = new HashSet<>();
        events.forEach(e -> at.add(e.getField(0) + "," + e.getField(1)));
        return (int) expected.stream()
                .filter(e -> at.contains(e.key() + "," + e.t()))
                .count();
    }

    private String runUntilThenStop(
            StreamExecutionEnvironment env, StreamTableEnvironment tables, String call, int expected, List<Row> into)
            throws Exception {
        CloseableIterator<Row> it = tables.toDataStream(tables.sqlQuery(call)).collectAsync();
        JobClient job = env.executeAsync("RNN_INFER savepoint phase");
        for (int i = 0; i < expected; i++) {
            assertThat(it.hasNext()).isTrue();
            into.add(it.next());
        }
        String path = job.stopWithSavepoint(
                        false, checkpoints.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                .get(2, TimeUnit.MINUTES);
        it.close();
        return path;
    }

    private static String model(Fixture fixture) {
        return fixture.file("keras").orElseThrow().toString();
    }
}
