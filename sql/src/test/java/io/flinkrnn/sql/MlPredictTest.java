package io.flinkrnn.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.fixtures.KerasExpectations;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ML_PREDICT with the {@code flink-rnn} provider on the window-mode fixtures: each key's sliding
 * windows of its last N events, one row each, must give what Keras computed for that event.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MlPredictTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final TypeInformation<Row> WINDOW = Types.ROW_NAMED(
            new String[] {"key", "t", "w"},
            Types.STRING,
            Types.LONG,
            Types.OBJECT_ARRAY(Types.OBJECT_ARRAY(Types.FLOAT)));

    @ParameterizedTest
    @ValueSource(strings = {"keras3_window_lstm", "keras2_window_lstm", "keras3_window_unroll"})
    void eachWindowIsOneModelPredict(String name) throws Exception {
        Fixture fixture = Fixture.named(name);
        int n = fixture.window().orElseThrow();
        List<Row> windows = windows(fixture.eventRows(), n);
        // A window one event short and one holding a NaN: no output, the other rows unaffected.
        Float[][] first = (Float[][]) windows.get(0).getField(2);
        windows.add(Row.of("bad-length", 0L, shorter(first)));
        windows.add(Row.of("bad-nan", 0L, withNaN(first)));

        StreamTableEnvironment tables = tables(windows);
        tables.executeSql(createModel("forecaster", "ARRAY<ARRAY<FLOAT>>", fixture));
        List<CsvRow> outputs = new ArrayList<>();
        try (CloseableIterator<Row> it = tables.sqlQuery(
                        "SELECT key, t, y FROM ML_PREDICT(TABLE windows, MODEL forecaster, DESCRIPTOR(w))")
                .execute()
                .collect()) {
            it.forEachRemaining(r -> outputs.add(FixtureTables.output(r, r.getFieldAs(1))));
        }
        KerasExpectations.assertMatchesInAnyOrder(outputs, fixture.expectedRows());
    }

    @Test
    void aWrongInputTypeFailsThePlanWithOneLine() {
        Fixture fixture = Fixture.named("keras3_window_lstm");
        StreamTableEnvironment tables = tables(windows(fixture.eventRows(), 8));
        tables.executeSql("CREATE TEMPORARY VIEW first_events AS SELECT key, t, w[1] AS w FROM windows");
        tables.executeSql(createModel("flat", "ARRAY<FLOAT>", fixture));
        assertThatThrownBy(
                        () -> tables.sqlQuery("SELECT * FROM ML_PREDICT(TABLE first_events, MODEL flat, DESCRIPTOR(w))")
                                .explain())
                .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e)).contains("takes one INPUT column"));
    }

    @Test
    void aModelWithNoFixedLengthAndNoWindowFailsThePlan() {
        Fixture fixture = Fixture.named("keras3_lstm_seq");
        StreamTableEnvironment tables = tables(windows(fixture.eventRows(), 4));
        tables.executeSql(createModel("unbounded_lstm", "ARRAY<ARRAY<FLOAT>>", fixture));
        assertThatThrownBy(() -> tables.sqlQuery(
                                "SELECT * FROM ML_PREDICT(TABLE windows, MODEL unbounded_lstm, DESCRIPTOR(w))")
                        .explain())
                .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e))
                        .contains("window mode needs flink-rnn.window"));
    }

    private static String createModel(String name, String input, Fixture fixture) {
        return "CREATE TEMPORARY MODEL " + name + " INPUT (w " + input + ") OUTPUT (y ARRAY<FLOAT>) WITH ("
                + "'provider' = 'flink-rnn', 'path' = '"
                + fixture.file("keras").or(() -> fixture.file("h5")).orElseThrow()
                + "')";
    }

    private static StreamTableEnvironment tables(List<Row> windows) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        StreamTableEnvironment tables = StreamTableEnvironment.create(env);
        tables.createTemporaryView("windows", tables.fromDataStream(env.fromData(WINDOW, windows.toArray(Row[]::new))));
        return tables;
    }

    /** Each event that ends a full window of its key: the key, its t and the last n events, oldest first. */
    private static List<Row> windows(List<CsvRow> events, int n) {
        Map<String, List<Float[]>> seen = new HashMap<>();
        List<Row> windows = new ArrayList<>();
        for (CsvRow e : events) {
            List<Float[]> past = seen.computeIfAbsent(e.key(), k -> new ArrayList<>());
            past.add(FixtureTables.boxed(e.values()));
            if (past.size() >= n) {
                windows.add(Row.of(
                        e.key(),
                        e.t(),
                        past.subList(past.size() - n, past.size()).toArray(Float[][]::new)));
            }
        }
        return windows;
    }

    private static Float[][] shorter(Float[][] window) {
        Float[][] w = new Float[window.length - 1][];
        System.arraycopy(window, 1, w, 0, w.length);
        return w;
    }

    private static Float[][] withNaN(Float[][] window) {
        Float[][] w = window.clone();
        w[0] = w[0].clone();
        w[0][0] = Float.NaN;
        return w;
    }
}
