package io.flinkrnn.sql;

import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;

/**
 * A fixture's events as a SQL table {@code events(key STRING, t BIGINT, reset_before BOOLEAN, xs
 * ARRAY<FLOAT>, ts TIMESTAMP_LTZ(3))}, {@code ts} being {@code t} milliseconds with a watermark an
 * hour behind (the fixtures span seconds: no row is late), on a streaming environment with RocksDB state and checkpoints.
 */
final class FixtureTables {

    static final TypeInformation<Row> EVENT = Types.ROW_NAMED(
            new String[] {"key", "t", "reset_before", "xs"},
            Types.STRING,
            Types.LONG,
            Types.BOOLEAN,
            Types.OBJECT_ARRAY(Types.FLOAT));

    private FixtureTables() {}

    static StreamExecutionEnvironment env(String checkpoints, int parallelism, String savepoint) {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints);
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            conf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        env.enableCheckpointing(100);
        return env;
    }

    /** A table environment with RNN_INFER registered as a temporary system function. */
    static StreamTableEnvironment tables(StreamExecutionEnvironment env) {
        StreamTableEnvironment tables = StreamTableEnvironment.create(env);
        tables.createTemporarySystemFunction(RnnInferFunction.NAME, RnnInferFunction.class);
        return tables;
    }

    /** The fixture's events in its interleaved order; with resets, the reset flag on the rows resets.csv names. */
    static List<Row> rows(Fixture fixture, boolean resets) {
        Set<String> resetAt = new HashSet<>();
        if (resets) {
            fixture.resetRows().forEach(r -> resetAt.add(r.key() + "," + r.t()));
        }
        List<Row> rows = new ArrayList<>();
        for (CsvRow e : fixture.eventRows()) {
            rows.add(row(e.key(), e.t(), resetAt.contains(e.key() + "," + e.t()), boxed(e.values())));
        }
        return rows;
    }

    static Row row(String key, long t, boolean reset, Float[] xs) {
        return Row.of(key, t, reset, xs);
    }

    static Float[] boxed(float[] x) {
        Float[] b = new Float[x.length];
        for (int i = 0; i < x.length; i++) {
            b[i] = x[i];
        }
        return b;
    }

    /**
     * Registers {@code rows[from, to)} as the view {@code events}, from a checkpointed source of
     * parallelism 1 (each key's rows keep their order); with {@code idle} the source then waits to
     * be stopped, sending filler rows the view drops.
     */
    static void register(
            StreamExecutionEnvironment env,
            StreamTableEnvironment tables,
            List<Row> rows,
            int from,
            int to,
            boolean idle,
            String uid) {
        Row[] slice = rows.subList(from, to).toArray(Row[]::new);
        register(
                env,
                tables,
                i -> i < slice.length ? slice[(int) (long) i] : row("", -1_000_000, false, new Float[0]),
                idle ? Long.MAX_VALUE : slice.length,
                uid);
    }

    /** Registers {@code rows} as the view {@code events}; the source stops for {@code pause} before row {@code pauseAt}. */
    static void registerWithPause(
            StreamExecutionEnvironment env,
            StreamTableEnvironment tables,
            List<Row> rows,
            int pauseAt,
            Duration pause) {
        Row[] all = rows.toArray(Row[]::new);
        long millis = pause.toMillis();
        register(
                env,
                tables,
                i -> {
                    if (i == pauseAt) {
                        Thread.sleep(millis);
                    }
                    return all[(int) (long) i];
                },
                all.length,
                "events");
    }

    private static void register(
            StreamExecutionEnvironment env,
            StreamTableEnvironment tables,
            GeneratorFunction<Long, Row> rows,
            long count,
            String uid) {
        DataGeneratorSource<Row> source =
                new DataGeneratorSource<>(rows, count, RateLimiterStrategy.perSecond(2_000), EVENT);
        DataStream<Row> stream = env.fromSource(source, WatermarkStrategy.noWatermarks(), uid)
                .uid(uid)
                .setParallelism(1)
                .returns(EVENT);
        Table table = tables.fromDataStream(
                stream,
                Schema.newBuilder()
                        .columnByExpression("ts", "TO_TIMESTAMP_LTZ(t, 3)")
                        .watermark("ts", "ts - INTERVAL '1' HOUR")
                        .build());
        tables.createTemporaryView("all_events", table);
        tables.executeSql("CREATE TEMPORARY VIEW events AS SELECT * FROM all_events WHERE key <> ''");
    }

    /**
     * RNN_INFER's predictions in arrival order (no {@code on_time}), which have no time column, as
     * {@code key, t, y...} rows: a key's predictions come in the order of its rows (the comparison
     * of values asserts it), so the i-th of a key takes the time of Keras's i-th row of that key.
     */
    static List<CsvRow> inKeyOrder(List<Row> predictions, List<CsvRow> expected) {
        Map<String, List<Long>> times = new HashMap<>();
        expected.forEach(
                e -> times.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(e.t()));
        Map<String, Integer> seen = new HashMap<>();
        List<CsvRow> rows = new ArrayList<>();
        for (Row r : predictions) {
            String key = (String) r.getField("key");
            int i = seen.merge(key, 1, Integer::sum) - 1;
            List<Long> keyTimes = times.getOrDefault(key, List.of());
            rows.add(output(r, i < keyTimes.size() ? keyTimes.get(i) : -1 - i));
        }
        return rows;
    }

    /** An output row of RNN_INFER (first column the key) as a {@code key, t, y...} row. */
    static CsvRow output(Row row, long t) {
        Float[] y = (Float[]) row.getField("y");
        float[] values = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            values[i] = y[i];
        }
        return new CsvRow((String) row.getField(0), t, values);
    }
}
