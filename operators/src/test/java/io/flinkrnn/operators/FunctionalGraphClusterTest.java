package io.flinkrnn.operators;

import static io.flinkrnn.operators.ClusterJobs.collect;
import static io.flinkrnn.operators.ClusterJobs.inference;
import static io.flinkrnn.operators.KerasOutputs.assertMatches;
import static io.flinkrnn.operators.KerasOutputs.events;

import io.flinkrnn.model.fixtures.Fixture;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Functional graphs (docs/SEMANTICS.md section 11) through the operator in a MiniCluster, keys spread
 * over two subtasks on RocksDB: a residual LSTM stack, an LSTM and a GRU branch concatenated, every
 * merge layer, an encoder-decoder whose decoder starts from the encoder's states, Keras 3's
 * functional Masking, a second input of static features carried by each event, two outputs of
 * different layers, {@code Dot}, and two sequence inputs (an encoder's and a decoder's in window
 * mode), each in the mode {@code auto} picks (stateful for the first nine, window for the rest) must
 * give exactly what Keras gives.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FunctionalGraphClusterTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @TempDir
    Path checkpoints;

    @ParameterizedTest(name = "{0} [{1}]")
    @CsvSource({
        "keras3_graph_residual, keras",
        "keras2_graph_branches, h5",
        "keras3_graph_merges, keras",
        "keras2_graph_encoder_decoder, h5",
        "keras3_graph_masking, keras",
        "keras3_graph_static_input, keras",
        "keras2_graph_two_heads, h5",
        "keras3_graph_dot, keras",
        "keras2_graph_two_sequences, h5",
        "keras3_graph_residual_window, h5",
        "keras3_graph_branches_window, keras",
        "keras3_graph_encoder_decoder_window, keras",
        "keras2_graph_masking_window, h5",
        "keras2_graph_static_input_window, h5",
        "keras3_graph_two_heads_window, keras",
        "keras2_graph_dot_window, h5",
        "keras3_graph_two_sequences_window, keras"
    })
    void graphOutputsEqualKeras(String fixture, String file) throws Exception {
        Fixture f = Fixture.named(fixture);
        List<RnnEvent> events = events(f.eventRows());
        StreamExecutionEnvironment env = ClusterJobs.env(checkpoints, 2, "rocksdb", new Configuration());
        var source = env.fromSource(
                        FixtureEvents.source(events, 0, events.size(), 50_000, false),
                        WatermarkStrategy.noWatermarks(),
                        "events")
                .setParallelism(1);
        var model = RnnInference.forModel(ModelSource.of(f.file(file).orElseThrow()));
        assertMatches(collect(inference(model, source)), f.expectedRows());
    }
}
