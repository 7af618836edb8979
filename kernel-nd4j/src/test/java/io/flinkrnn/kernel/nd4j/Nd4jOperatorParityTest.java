package io.flinkrnn.kernel.nd4j;

import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.fixtures.KerasExpectations;
import io.flinkrnn.operators.Control;
import io.flinkrnn.operators.ModelSource;
import io.flinkrnn.operators.Prediction;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.RnnOptions;
import io.flinkrnn.operators.internal.RnnInferenceOperator;
import io.flinkrnn.operators.internal.RnnSettings;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The operator with {@code flink-rnn.kernel=nd4j} (and {@code auto}, which may pick either kernel)
 * in Flink's test harness, keys interleaved as the fixture orders them: its predictions equal real
 * Keras's within {@link KerasExpectations#TOLERANCE}, in stateful and window mode, one and two outputs.
 */
class Nd4jOperatorParityTest {

    @ParameterizedTest(name = "{0} kernel={1}")
    @CsvSource({
        "keras3_lstm_seq, ND4J",
        "keras2_gru_reset_after, ND4J",
        "keras2_window_lstm, ND4J",
        "keras3_graph_two_heads_window, ND4J",
        "keras3_lstm_seq, AUTO",
        "keras2_window_lstm, AUTO"
    })
    void predictionsEqualKeras(String fixture, RnnOptions.Kernel kernel) throws Exception {
        Fixture f = Fixture.named(fixture);
        Configuration config = new Configuration();
        config.set(RnnOptions.KERNEL, kernel);
        config.set(RnnOptions.BUNDLE_MAX_EVENTS, 16);
        config.set(RnnOptions.BUNDLE_MAX_DELAY, Duration.ZERO);
        RnnSettings settings = RnnSettings.from(ModelSource.of(f.file("h5").orElseThrow()), config);
        try (var harness = new KeyedTwoInputStreamOperatorTestHarness<String, RnnEvent, Control, Prediction>(
                new RnnInferenceOperator(settings), RnnEvent::key, c -> c.key() == null ? "" : c.key(), Types.STRING)) {
            harness.open();
            for (CsvRow row : f.eventRows()) {
                harness.processElement1(new RnnEvent(row.key(), row.t(), row.values()), row.t());
            }
            // End of input: Flink calls finish(), which serves the last open bundle.
            harness.getOperator().finish();
            List<CsvRow> outputs = harness.extractOutputValues().stream()
                    .map(p -> new CsvRow(p.key(), p.timestamp(), p.outputs()))
                    .toList();
            KerasExpectations.assertMatches(outputs, f.expectedRows());
        }
    }
}
