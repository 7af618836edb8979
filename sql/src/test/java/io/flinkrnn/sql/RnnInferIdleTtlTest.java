package io.flinkrnn.sql;

import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.fixtures.KerasExpectations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * Idle TTL ({@code table.exec.state.ttl}): keys silent for longer than it start from zero state,
 * which is Keras's {@code reset_states()} right before their next event — the fixture's
 * {@code expected_reset.csv}, for keys whose silence falls exactly where resets.csv resets them.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RnnInferIdleTtlTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @TempDir
    Path checkpoints;

    @Test
    void aKeyIdleLongerThanTheTtlStartsFromZeroState() throws Exception {
        Fixture fixture = Fixture.named("keras3_lstm_seq");
        Map<String, Long> resetAt = new java.util.HashMap<>();
        fixture.resetRows().forEach(r -> resetAt.put(r.key(), r.t()));
        // The keys resets.csv names: their events before the reset, a silence of 3 TTLs, the rest.
        List<Row> before = new ArrayList<>();
        List<Row> after = new ArrayList<>();
        for (Row r : FixtureTables.rows(fixture, false)) {
            Long reset = resetAt.get((String) r.getField(0));
            if (reset != null) {
                ((long) r.getField(1) < reset ? before : after).add(r);
            }
        }
        List<Row> rows = new ArrayList<>(before);
        rows.addAll(after);

        StreamExecutionEnvironment env = FixtureTables.env(checkpoints.toUri().toString(), 2, null);
        StreamTableEnvironment tables = FixtureTables.tables(env);
        tables.getConfig().set("table.exec.state.ttl", "1 s");
        FixtureTables.registerWithPause(env, tables, rows, before.size(), Duration.ofSeconds(3));
        String call = "SELECT * FROM RNN_INFER(input => TABLE events PARTITION BY key, model => '"
                + fixture.file("keras").orElseThrow() + "', features => DESCRIPTOR(xs))";
        List<Row> outputs = new ArrayList<>();
        try (CloseableIterator<Row> it = tables.sqlQuery(call).execute().collect()) {
            it.forEachRemaining(outputs::add);
        }
        List<CsvRow> expected = fixture.expectedResetRows().stream()
                .filter(e -> resetAt.containsKey(e.key()))
                .toList();
        KerasExpectations.assertMatches(FixtureTables.inKeyOrder(outputs, expected), expected);
    }
}
