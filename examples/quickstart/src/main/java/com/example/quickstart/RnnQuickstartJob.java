package com.example.quickstart;

import io.flinkrnn.operators.ModelSource;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.RnnInference;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.PrintSink;

/**
 * A Keras LSTM served on a keyed stream: every sensor is one batch row of a stateful model, its
 * recurrent states kept in Flink keyed state. {@code flink run target/flink-rnn-quickstart.jar MODEL}
 * serves MODEL, a file every TaskManager can read; without it, the bundled model, extracted where
 * this JVM runs (enough for a local run).
 */
public final class RnnQuickstartJob {

    public static void main(String[] args) throws Exception {
        Path model = args.length > 0 ? Path.of(args[0]) : bundledModel();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        RnnInference.Result result = inference(env, model);
        result.predictions().sinkTo(new PrintSink<>("prediction"));
        result.rejects().sinkTo(new PrintSink<>("rejected", true));
        env.execute("flink-rnn quickstart");
    }

    /** Events of a few sensors, keyed by sensor, through the model, one prediction per event. */
    static RnnInference.Result inference(StreamExecutionEnvironment env, Path model) throws IOException {
        return RnnInference.forModel(ModelSource.of(model))
                .mode("stateful")
                .apply(env.fromData(bundledEvents()).name("sensor-events").keyBy(RnnEvent::key));
    }

    /** events.csv: {@code key,t,x0..x3}, a key's events in their order. */
    static List<RnnEvent> bundledEvents() throws IOException {
        try (BufferedReader csv =
                new BufferedReader(new InputStreamReader(resource("events.csv"), StandardCharsets.UTF_8))) {
            return csv.lines()
                    .skip(1)
                    .map(line -> line.split(","))
                    .map(RnnQuickstartJob::event)
                    .toList();
        }
    }

    private static RnnEvent event(String[] row) {
        float[] features = new float[row.length - 2];
        for (int i = 0; i < features.length; i++) {
            features[i] = Float.parseFloat(row[i + 2]);
        }
        return new RnnEvent(row[0], Long.parseLong(row[1]), features);
    }

    /** The operator reads its model from a file, so the bundled one is copied out of the jar. */
    static Path bundledModel() throws IOException {
        Path file = Files.createTempFile("sensor-lstm", ".keras");
        file.toFile().deleteOnExit();
        try (InputStream in = resource("sensor-lstm.keras")) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = RnnQuickstartJob.class.getResourceAsStream("/" + name);
        if (in == null) {
            throw new IOException("the quickstart jar has no " + name);
        }
        return in;
    }
}
