package io.flinkrnn.operators;

import static io.flinkrnn.operators.ClusterJobs.inference;
import static io.flinkrnn.operators.ClusterJobs.phase;
import static io.flinkrnn.operators.ClusterJobs.restartingForever;
import static io.flinkrnn.operators.ClusterJobs.restoreFrom;
import static io.flinkrnn.operators.KerasOutputs.assertMatches;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.operators.internal.RnnSettings;
import io.flinkrnn.operators.internal.model.ModelLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A savepoint restored with another model at the model path: the committed savepoints of
 * keras3_swap's v1 ({@link StateSavepoints}, written by a real stop-with-savepoint) restored with
 * models of other units, other layer kinds, more layers, and the same number of floats laid out
 * otherwise. No state is ever reused by a model that did not write it: {@code keep} and {@code
 * fail} stop the job once, naming both models, however many restarts the strategy allows;
 * {@code reset} starts the restored keys fresh, giving Keras's outputs of the new model from zero
 * state, and counts them.
 */
@Timeout(300)
class ModelChangeClusterTest {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(METRICS.addToConfiguration(new Configuration()))
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(3)
            .build());

    private static final String V1 = "'v1.keras' [input 4, LSTM(8, 8), output 2]";

    @TempDir
    Path checkpoints;

    @ParameterizedTest(name = "{0} with {1}/{2}: {4}")
    @CsvSource(
            delimiter = '|',
            value = {
                "KEEP | keras3_swap_other_shape | v3.keras | input 4, GRU(8), output 2 | other layer kind",
                "FAIL | keras3_lstm_last | model.keras | input 3, LSTM(6, 6), output 1 | other units",
                "KEEP | keras3_stacked_long | model.keras | input 4, LSTM(16, 16), GRU(8), output 1 | more layers",
                "FAIL | keras3_masking_last | model.keras | input 3, GRU(6), LSTM(5, 5), output 2 | same size",
            })
    void keepAndFailStopTheJobOnceNamingBothModels(
            RnnOptions.SwapPolicy policy, String fixture, String file, String layout, String change) throws Exception {
        ModelSource other = ModelSource.of(Fixture.named(fixture).dir().resolve(file));
        if (change.equals("same size")) {
            assertThat(ModelLoader.load(other, RnnSettings.defaults(other))
                            .model()
                            .stateLayout()
                            .size())
                    .as("floats per key, as v1's")
                    .isEqualTo(ModelLoader.load(StateSavepoints.v1(), RnnSettings.defaults(StateSavepoints.v1()))
                            .model()
                            .stateLayout()
                            .size());
        }
        Throwable failure = failureOf(StateSavepoints.path(2, "hashmap"), other, policy);
        assertThat(failure)
                .hasStackTraceContaining(SuppressRestartsException.class.getName())
                .hasStackTraceContaining("the restored state was written by model " + V1
                        + ", this job serves model '" + file + "' [" + layout + "]; swap policy "
                        + policy.name().toLowerCase() + " never reuses another model's states");
    }

    /** A savepoint from before the model was recorded: the per-key length check stops the job instead. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"KEEP", "FAIL"})
    void aLayoutOneSavepointWithAnotherModelStopsAtItsFirstKey(RnnOptions.SwapPolicy policy) throws Exception {
        ModelSource other =
                ModelSource.of(Fixture.named("keras3_stacked_long").dir().resolve("model.keras"));
        Throwable failure = failureOf(StateSavepoints.path(1, "hashmap"), other, policy);
        assertThat(failure)
                .hasStackTraceContaining(SuppressRestartsException.class.getName())
                .hasStackTraceContaining("a restored key holds 19 floats of state, model 'model.keras' [input 4, "
                        + "LSTM(16, 16), GRU(8), output 1] needs 42: the state was written by another model");
    }

    /** Restores with {@code model}, events of v1's tail, a restart strategy that never gives up. */
    private Throwable failureOf(String savepoint, ModelSource model, RnnOptions.SwapPolicy policy) throws Exception {
        List<RnnEvent> tail = StateSavepoints.events(StateSavepoints.cut(), StateSavepoints.size());
        StreamExecutionEnvironment env =
                ClusterJobs.env(checkpoints, 3, "hashmap", restartingForever(restoreFrom(savepoint)));
        inference(RnnInference.forModel(model).modelUpdates(policy, null), phase(env, tail, 0, tail.size(), 1, true))
                .sinkTo(new DiscardingSink<>());
        JobClient job = env.executeAsync("flink-rnn restore with another model");
        Throwable failure = catchThrowable(() -> job.getJobExecutionResult().get(2, TimeUnit.MINUTES));
        assertThat(job.getJobStatus().get(1, TimeUnit.MINUTES)).isEqualTo(JobStatus.FAILED);
        return failure;
    }

    /**
     * keras3_swap_other_shape's v3 (a GRU) over the same events as v1: after {@code reset}, every
     * restored key gives Keras's v3 outputs from zero state, and each of the 300 keys in the
     * savepoint counts once; the keys that had no state (late-3's copies) do not.
     */
    @ParameterizedTest(name = "layout {0}")
    @ValueSource(ints = {1, 2})
    void resetStartsRestoredKeysFreshAndCountsThem(int layout) throws Exception {
        Fixture v3 = Fixture.named("keras3_swap_other_shape");
        List<RnnEvent> events = StateSavepoints.events(v3, 0, v3.eventRows().size());
        StreamExecutionEnvironment env =
                ClusterJobs.env(checkpoints, 3, "rocksdb", restoreFrom(StateSavepoints.path(layout, "hashmap")));
        DataStream<Prediction> predictions = inference(
                RnnInference.forModel(ModelSource.of(v3.dir().resolve("v3.keras")))
                        .modelUpdates(RnnOptions.SwapPolicy.RESET, null),
                phase(env, events, 0, events.size(), 1, false));
        List<Prediction> outputs = new ArrayList<>();
        CloseableIterator<Prediction> it = predictions.collectAsync();
        JobClient job = env.executeAsync("flink-rnn restore with reset");
        it.forEachRemaining(outputs::add);
        it.close();
        assertMatches(
                outputs,
                StateSavepoints.expected(v3.expectedRows(), 0, v3.expectedRows().size()));
        long resets = METRICS.findMetrics(job.getJobID(), "modelStateResets").values().stream()
                .mapToLong(m -> ((Counter) m).getCount())
                .sum();
        assertThat(resets).isEqualTo(3L * StateSavepoints.COPIES);
    }
}
