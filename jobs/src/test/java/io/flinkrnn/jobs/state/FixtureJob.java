package io.flinkrnn.jobs.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.fixtures.KerasExpectations;
import io.flinkrnn.operators.ModelSource;
import io.flinkrnn.operators.Prediction;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.RnnInference;
import io.flinkrnn.operators.RnnOptions.StatePrecision;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * A flink-rnn job as the savepoints know it (operator uid {@code flink-rnn}), run to the end of a
 * list of events in the test's MiniCluster, optionally restored from a savepoint.
 */
public final class FixtureJob {

    private FixtureJob() {}

    /** Outputs as Keras's rows: key, t, outputs. */
    public static List<CsvRow> run(Path model, String savepoint, List<RnnEvent> events, int parallelism, String backend)
            throws Exception {
        return run(model, savepoint, events, parallelism, backend, null, StatePrecision.FLOAT32);
    }

    /**
     * {@link #run(Path, String, List, int, String)} with a session gap ({@code null} for none),
     * storing the keys' states in {@code precision}.
     */
    public static List<CsvRow> run(
            Path model,
            String savepoint,
            List<RnnEvent> events,
            int parallelism,
            String backend,
            Duration sessionGap,
            StatePrecision precision)
            throws Exception {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, backend);
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            // The savepoint's own source (uid events-0) has no counterpart here.
            conf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        RnnEvent[] all = events.toArray(RnnEvent[]::new);
        var stream = env.fromSource(
                        new DataGeneratorSource<>(
                                i -> all[(int) (long) i], all.length, TypeInformation.of(RnnEvent.class)),
                        WatermarkStrategy.noWatermarks(),
                        "fixture events")
                // One reader keeps each key's events in order.
                .setParallelism(1);
        RnnInference inference = RnnInference.forModel(ModelSource.of(model))
                .bundle(32, Duration.ofMillis(5))
                .statePrecision(precision);
        if (sessionGap != null) {
            inference.sessionGap(sessionGap);
        }
        var predictions =
                inference.apply(stream.keyBy(RnnEvent::key)).predictions().uid(RnnStates.DEFAULT_UID);
        List<CsvRow> out = new ArrayList<>();
        try (CloseableIterator<Prediction> it = predictions.executeAndCollect("flink-rnn state test job")) {
            it.forEachRemaining(p -> out.add(new CsvRow(p.key(), p.timestamp(), p.outputs())));
        }
        return out;
    }

    /**
     * How far a job's outputs may be from Keras's with its state in {@code precision}: the bound
     * README "Reduced-precision state" states for the fixtures.
     */
    public static double kerasTolerance(StatePrecision precision) {
        return switch (precision) {
            case FLOAT32 -> KerasExpectations.TOLERANCE;
            case BFLOAT16 -> 3e-3;
            case FLOAT16 -> 5e-4;
        };
    }

    public static RnnEvent event(String key, CsvRow row) {
        return new RnnEvent(key, row.t(), row.values());
    }

    /** The fixture's event rows {@code [from, to)} as events of {@code copies} copies {@code c<copy>/<key>} of each key. */
    public static List<RnnEvent> copies(Fixture fixture, int from, int to, int copies) {
        List<RnnEvent> events = new ArrayList<>();
        for (CsvRow row : fixture.eventRows().subList(from, to)) {
            for (int c = 0; c < copies; c++) {
                events.add(event("c" + c + "/" + row.key(), row));
            }
        }
        return events;
    }

    /** Keras's outputs for {@link #copies}' events. */
    public static List<CsvRow> expectedCopies(Fixture fixture, int from, int to, int copies) {
        List<CsvRow> rows = new ArrayList<>();
        for (CsvRow row : fixture.expectedRows().subList(from, to)) {
            for (int c = 0; c < copies; c++) {
                rows.add(new CsvRow("c" + c + "/" + row.key(), row.t(), row.values()));
            }
        }
        return rows;
    }

    /**
     * Asserts that {@code continued} (a job restored from a savepoint) has an output for exactly
     * the events of {@code all} (a job that served everything) it served, each the same bits.
     */
    public static void assertSameBits(List<CsvRow> continued, List<CsvRow> all, List<RnnEvent> served) {
        Set<String> events = new HashSet<>();
        served.forEach(e -> events.add(e.key() + "@" + e.timestamp()));
        Comparator<CsvRow> order = Comparator.comparing(CsvRow::key).thenComparingLong(CsvRow::t);
        List<CsvRow> expected = all.stream()
                .filter(r -> events.contains(r.key() + "@" + r.t()))
                .sorted(order)
                .toList();
        List<CsvRow> got = continued.stream().sorted(order).toList();
        assertThat(got).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(got.get(i).key()).isEqualTo(expected.get(i).key());
            assertThat(got.get(i).t()).isEqualTo(expected.get(i).t());
            assertThat(got.get(i).values())
                    .as(
                            "key %s t %d, bit for bit",
                            expected.get(i).key(), expected.get(i).t())
                    .usingElementComparator((x, y) -> Integer.compare(Float.floatToIntBits(x), Float.floatToIntBits(y)))
                    .containsExactly(expected.get(i).values());
        }
    }

    /** Writes {@code events} as a history CSV {@code key,t,x0,...} that {@code state bootstrap} reads. */
    public static void writeHistory(Path file, List<RnnEvent> events) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            StringBuilder header = new StringBuilder("key,t");
            for (int i = 0; i < events.get(0).features().length; i++) {
                header.append(",x").append(i);
            }
            w.write(header.append('\n').toString());
            for (RnnEvent e : events) {
                StringBuilder row = new StringBuilder(e.key()).append(',').append(e.timestamp());
                for (float x : e.features()) {
                    // Float.toString reads back to the same float: the history's bits are the live job's.
                    row.append(',').append(x);
                }
                w.write(row.append('\n').toString());
            }
        }
    }
}
