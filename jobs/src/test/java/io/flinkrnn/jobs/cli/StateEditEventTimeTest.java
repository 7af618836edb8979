package io.flinkrnn.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.jobs.state.FixtureJob;
import io.flinkrnn.jobs.state.RnnStates;
import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.fixtures.KerasExpectations;
import io.flinkrnn.operators.ModelSource;
import io.flinkrnn.operators.Prediction;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.RnnInference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;

/**
 * {@code state edit} on a savepoint whose operator holds events in its event-time buffer. An event
 * time job (bounded out-of-orderness of {@value #OUT_OF_ORDER_MS} ms) serves the fixture's history
 * and is stopped with a savepoint while the watermark stands at {@link #WATERMARK}: k0's and
 * user_42's later events wait in the buffer, sensor-1 has none waiting. Restored on RocksDB at
 * parallelism 3, kept keys serve their buffered and live events to Keras's outputs; dropped keys
 * lose their buffered events with their state (fed everything again, Keras's outputs from zero
 * state); reset keys keep their buffered events and serve them from zero state, exactly as a fresh
 * key fed the same events in the same job. A key with buffered events is never idle.
 */
class StateEditEventTimeTest extends StateCliTest {

    static final Fixture SWAP = Fixture.named("keras3_swap");
    static final int COPIES = 10;
    static final long OUT_OF_ORDER_MS = 12;
    /** The history's newest event is at 17: its watermark stops at 17 - 12 - 1. */
    static final long WATERMARK = 4;
    /** Copies 0-2 of every key are listed for the edit. */
    static final Predicate<String> LISTED = key -> Integer.parseInt(key.substring(1, key.indexOf('/'))) < 3;

    @Test
    void droppedKeysLoseTheirBufferedEventsResetKeysServeThemFromZeroState() throws Exception {
        int cut = SWAP.meta().path("swap_row").asInt();
        int end = SWAP.eventRows().size();
        List<RnnEvent> history = FixtureJob.copies(SWAP, 0, cut, COPIES);
        List<CsvRow> historyOutputs = FixtureJob.expectedCopies(SWAP, 0, cut, COPIES);
        List<CsvRow> served =
                historyOutputs.stream().filter(r -> r.t() <= WATERMARK).toList();
        List<CsvRow> buffered =
                historyOutputs.stream().filter(r -> r.t() > WATERMARK).toList();
        assertThat(buffered.stream().map(r -> r.key().substring(r.key().indexOf('/') + 1)))
                .as("k0 and user_42 have events buffered, sensor-1 none")
                .containsOnly("k0", "user_42");
        String savepoint = serveThenStop(history, served);
        assertThat(state("inspect", "--savepoint", savepoint))
                .as(err.toString())
                .isZero();
        assertThat(out.toString()).contains("with an event-time buffer");

        // Every key's last served event is long before --now, but k0's and user_42's copies have
        // events still to serve: only sensor-1's 10 copies are idle.
        edit(savepoint, "--drop-idle", "10ms", "--now", "100");
        assertThat(out.toString()).contains("dropped 10 keys idle longer than PT0.01S before 100; kept 20");

        Path keys = dir.resolve("keys.txt");
        Files.write(
                keys,
                history.stream().map(RnnEvent::key).filter(LISTED).distinct().toList());
        List<RnnEvent> live = FixtureJob.copies(SWAP, cut, end, COPIES);
        List<CsvRow> liveOutputs = FixtureJob.expectedCopies(SWAP, cut, end, COPIES);

        Path dropped = edit(savepoint, "--drop-keys", keys.toString());
        assertThat(out.toString()).contains("dropped 9 of the 9 keys").contains("kept 21");
        List<RnnEvent> events = new ArrayList<>(FixtureJob.copies(SWAP, 0, end, COPIES).stream()
                .filter(e -> LISTED.test(e.key()))
                .toList());
        events.addAll(live.stream().filter(e -> !LISTED.test(e.key())).toList());
        List<CsvRow> expected = new ArrayList<>(FixtureJob.expectedCopies(SWAP, 0, end, COPIES).stream()
                .filter(r -> LISTED.test(r.key()))
                .toList());
        expected.addAll(buffered.stream().filter(r -> !LISTED.test(r.key())).toList());
        expected.addAll(liveOutputs.stream().filter(r -> !LISTED.test(r.key())).toList());
        KerasExpectations.assertMatches(restore(dropped, events), sortedPerKey(expected));

        Path reset = edit(savepoint, "--reset-keys", keys.toString());
        assertThat(out.toString()).contains("reset 9 of the 9 keys").contains("kept 21");
        // A twin of each reset key, fresh, gets the events the reset key still has to serve.
        List<RnnEvent> withTwins = new ArrayList<>(live);
        Map<String, List<RnnEvent>> waiting = history.stream()
                .filter(e -> LISTED.test(e.key()) && e.timestamp() > WATERMARK)
                .collect(Collectors.groupingBy(RnnEvent::key));
        waiting.values().forEach(w -> w.forEach(e -> withTwins.add(twin(e))));
        live.stream().filter(e -> LISTED.test(e.key())).forEach(e -> withTwins.add(twin(e)));
        List<CsvRow> outputs = restore(reset, withTwins);
        List<CsvRow> kept = new ArrayList<>(
                buffered.stream().filter(r -> !LISTED.test(r.key())).toList());
        kept.addAll(liveOutputs.stream().filter(r -> !LISTED.test(r.key())).toList());
        KerasExpectations.assertMatches(
                outputs.stream()
                        .filter(r -> !r.key().startsWith("twin:") && !LISTED.test(r.key()))
                        .toList(),
                sortedPerKey(kept));
        Set<String> resetKeys =
                history.stream().map(RnnEvent::key).filter(LISTED).collect(Collectors.toSet());
        for (String key : resetKeys) {
            List<CsvRow> own = outputs.stream().filter(r -> r.key().equals(key)).toList();
            List<CsvRow> fresh =
                    outputs.stream().filter(r -> r.key().equals("twin:" + key)).toList();
            assertThat(own).as("%s serves its buffered and live events", key).hasSize(fresh.size());
            for (int i = 0; i < own.size(); i++) {
                assertThat(own.get(i).t()).isEqualTo(fresh.get(i).t());
                assertThat(own.get(i).values())
                        .as(
                                "%s at %d, bit for bit as a fresh key",
                                key, own.get(i).t())
                        .usingElementComparator(
                                (x, y) -> Integer.compare(Float.floatToIntBits(x), Float.floatToIntBits(y)))
                        .containsExactly(fresh.get(i).values());
            }
        }
    }

    private static RnnEvent twin(RnnEvent e) {
        return new RnnEvent("twin:" + e.key(), e.timestamp(), e.features());
    }

    /** Keras's rows of each key in time order: what an event-time job emits per key. */
    private static List<CsvRow> sortedPerKey(List<CsvRow> rows) {
        return rows.stream()
                .sorted(java.util.Comparator.comparing(CsvRow::key).thenComparingLong(CsvRow::t))
                .toList();
    }

    private Path edit(String savepoint, String... how) {
        Path edited = dir.resolve("edited" + how[0]);
        List<String> args = new ArrayList<>(List.of("edit", "--savepoint", savepoint, "--out", edited.toString()));
        args.addAll(List.of(how));
        assertThat(state(args.toArray(String[]::new))).as(err.toString()).isZero();
        return edited;
    }

    /**
     * Serves {@code history} in event time, then idles (its watermark stays where the history left
     * it) until the outputs {@code served} arrived, and stops with a canonical savepoint.
     */
    private String serveThenStop(List<RnnEvent> history, List<CsvRow> served) throws Exception {
        StreamExecutionEnvironment env = env(2, "hashmap", new Configuration());
        RnnEvent[] all = history.toArray(RnnEvent[]::new);
        DataStream<RnnEvent> events = env.fromSource(
                        new DataGeneratorSource<>(
                                i -> i < all.length ? all[(int) (long) i] : new RnnEvent("", 0, new float[0]),
                                Long.MAX_VALUE,
                                RateLimiterStrategy.perSecond(5_000),
                                TypeInformation.of(RnnEvent.class)),
                        watermarks(),
                        "history")
                .uid("events-1")
                .setParallelism(1)
                // The filler that keeps the job running until it is stopped; it never moves event time.
                .filter(e -> !e.key().isEmpty())
                .setParallelism(1);
        List<CsvRow> outputs = new ArrayList<>();
        CloseableIterator<Prediction> it = inference(events).collectAsync();
        JobClient job = env.executeAsync("flink-rnn event-time history");
        for (int i = 0; i < served.size(); i++) {
            assertThat(it.hasNext()).isTrue();
            Prediction p = it.next();
            outputs.add(new CsvRow(p.key(), p.timestamp(), p.outputs()));
        }
        String savepoint = job.stopWithSavepoint(
                        false, dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                .get(2, TimeUnit.MINUTES);
        it.close();
        KerasExpectations.assertMatches(outputs, served);
        return savepoint;
    }

    /** Restores {@code savepoint} on RocksDB at parallelism 3 and serves {@code events} to the end. */
    private List<CsvRow> restore(Path savepoint, List<RnnEvent> events) throws Exception {
        Configuration conf = new Configuration();
        conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint.toUri().toString());
        conf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
        StreamExecutionEnvironment env = env(3, "rocksdb", conf);
        RnnEvent[] all = events.toArray(RnnEvent[]::new);
        DataStream<RnnEvent> stream = env.fromSource(
                        new DataGeneratorSource<>(
                                i -> all[(int) (long) i], all.length, TypeInformation.of(RnnEvent.class)),
                        watermarks(),
                        "live")
                .uid("events-2")
                .setParallelism(1);
        List<CsvRow> outputs = new ArrayList<>();
        try (CloseableIterator<Prediction> it = inference(stream).executeAndCollect("flink-rnn restored")) {
            it.forEachRemaining(p -> outputs.add(new CsvRow(p.key(), p.timestamp(), p.outputs())));
        }
        return outputs;
    }

    private static StreamExecutionEnvironment env(int parallelism, String backend, Configuration conf) {
        conf.set(StateBackendOptions.STATE_BACKEND, backend);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        env.getConfig().setAutoWatermarkInterval(50);
        return env;
    }

    private static WatermarkStrategy<RnnEvent> watermarks() {
        return WatermarkStrategy.<RnnEvent>forBoundedOutOfOrderness(Duration.ofMillis(OUT_OF_ORDER_MS))
                .withTimestampAssigner((e, previous) -> e.key().isEmpty() ? Long.MIN_VALUE : e.timestamp());
    }

    /**
     * Event time with a lateness no event reaches: an event behind the watermark is served as it
     * comes, one ahead of it waits in the buffer, whenever the periodic watermark happens to move.
     */
    private static DataStream<Prediction> inference(DataStream<RnnEvent> events) {
        return RnnInference.forModel(ModelSource.of(SWAP.dir().resolve("v1.keras")))
                .bundle(32, Duration.ofMillis(5))
                .eventTime(Duration.ofHours(1))
                .apply(events.keyBy(RnnEvent::key))
                .predictions()
                .uid(RnnStates.DEFAULT_UID);
    }
}
