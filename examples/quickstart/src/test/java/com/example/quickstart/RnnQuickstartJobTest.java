package com.example.quickstart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flinkrnn.operators.Prediction;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The quickstart job on a MiniCluster of two slots, so that keys live on different subtasks.
 * keras-expected.csv is what Keras's {@code model.predict} returned for each sensor's events
 * (written by the fixture generator of flink-rnn, case keras3_lstm_seq).
 */
class RnnQuickstartJobTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @Test
    @Timeout(120)
    void everyPredictionEqualsKeras() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        Map<String, float[]> actual = new HashMap<>();
        try (CloseableIterator<Prediction> predictions = RnnQuickstartJob.inference(
                        env, RnnQuickstartJob.bundledModel())
                .predictions()
                .executeAndCollect()) {
            predictions.forEachRemaining(p -> assertThat(actual.put(p.key() + "@" + p.timestamp(), p.outputs()))
                    .as("a second prediction for %s at %d", p.key(), p.timestamp())
                    .isNull());
        }

        Map<String, float[]> keras = kerasOutputs();
        assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(keras.keySet());
        keras.forEach(
                (event, expected) -> assertThat(actual.get(event)).as(event).containsExactly(expected, within(1e-5f)));
    }

    /** keras-expected.csv: {@code key,t,y0,y1}, one row per event. */
    private static Map<String, float[]> kerasOutputs() throws IOException, URISyntaxException {
        List<String> lines = Files.readAllLines(Path.of(
                RnnQuickstartJobTest.class.getResource("/keras-expected.csv").toURI()));
        Map<String, float[]> outputs = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] row = line.split(",");
            float[] y = new float[row.length - 2];
            for (int i = 0; i < y.length; i++) {
                y[i] = Float.parseFloat(row[i + 2]);
            }
            outputs.put(row[0] + "@" + row[1], y);
        }
        assertThat(outputs).as("keras-expected.csv").hasSize(78);
        return outputs;
    }
}
