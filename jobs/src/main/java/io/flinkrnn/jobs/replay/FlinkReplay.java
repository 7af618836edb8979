package io.flinkrnn.jobs.replay;

import io.flinkrnn.operators.Prediction;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.RnnInference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * {@code replay --engine flink}: the same events through the real keyed operator in a local Flink
 * cluster, at the given parallelism and state backend, with checkpoints every 100 ms. The events
 * are read and checked by the client first (so rejects carry line numbers), then travel in the job
 * graph; replay files of millions of rows belong to {@code --engine direct}.
 */
final class FlinkReplay {

    private final int parallelism;
    private final String stateBackend;

    FlinkReplay(int parallelism, String stateBackend) {
        if (parallelism < 1 || parallelism > 64) {
            throw new IllegalArgumentException("--parallelism must be between 1 and 64, got " + parallelism);
        }
        if (!stateBackend.equals("hashmap") && !stateBackend.equals("rocksdb")) {
            throw new IllegalArgumentException("--state-backend is hashmap or rocksdb, got '" + stateBackend + "'");
        }
        this.parallelism = parallelism;
        this.stateBackend = stateBackend;
    }

    long run(List<RnnEvent> events, RnnInference settings, PredictionCsv out) throws Exception {
        Path checkpoints = Files.createTempDirectory("flink-rnn-replay-checkpoints");
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, stateBackend);
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, stateBackend.equals("rocksdb"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        env.enableCheckpointing(100);

        RnnEvent[] all = events.toArray(RnnEvent[]::new);
        DataGeneratorSource<RnnEvent> source =
                new DataGeneratorSource<>(i -> all[(int) (long) i], all.length, TypeInformation.of(RnnEvent.class));
        var stream = env.fromSource(source, WatermarkStrategy.noWatermarks(), "replay events")
                // One reader keeps the file's order within each key.
                .setParallelism(1);
        long written = 0;
        var predictions = settings.apply(stream.keyBy(RnnEvent::key)).predictions();
        try (CloseableIterator<Prediction> it = predictions.executeAndCollect("flink-rnn replay")) {
            while (it.hasNext()) {
                Prediction p = it.next();
                out.write(p.key(), p.timestamp(), p.outputs());
                written++;
            }
        }
        return written;
    }
}
