package io.flinkrnn.jobs.state;

import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.operators.ModelSource;
import io.flinkrnn.operators.Prediction;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.RnnInference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
        var predictions = RnnInference.forModel(ModelSource.of(model))
                .bundle(32, Duration.ofMillis(5))
                .apply(stream.keyBy(RnnEvent::key))
                .predictions()
                .uid(RnnStates.DEFAULT_UID);
        List<CsvRow> out = new ArrayList<>();
        try (CloseableIterator<Prediction> it = predictions.executeAndCollect("flink-rnn state test job")) {
            it.forEachRemaining(p -> out.add(new CsvRow(p.key(), p.timestamp(), p.outputs())));
        }
        return out;
    }

    public static RnnEvent event(String key, CsvRow row) {
        return new RnnEvent(key, row.t(), row.values());
    }
}
