package io.flinkrnn.jobs.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkrnn.jobs.cli.LocalClusterOptions;
import io.flinkrnn.operators.ModelSource;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.RnnInference;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code flink-rnn demo}: an embedded Flink MiniCluster serves the bundled, Keras-trained sensor
 * forecaster to a built-in stream of sensors and prints what it finds.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Runs a Keras LSTM on a built-in stream of sensors in an embedded Flink MiniCluster.",
            "Each sensor is one key, i.e. one row of a stateful Keras RNN; the model forecasts each",
            "sensor's next reading, and readings far from their forecast are flagged as anomalies."
        })
public final class DemoCommand implements Callable<Integer> {

    private static final String RESOURCES = "/io/flinkrnn/jobs/demo/";

    @Option(names = "--keys", description = "Number of sensors (keys). Default: ${DEFAULT-VALUE}.")
    int keys = 50;

    @Option(names = "--events", description = "Events in total across sensors. Default: ${DEFAULT-VALUE}.")
    long events = 100_000;

    @Option(names = "--rate", description = "Events per second; 0 for as fast as possible. Default: ${DEFAULT-VALUE}.")
    double rate = 0;

    @Option(names = "--parallelism", description = "Parallelism of the inference operator. Default: ${DEFAULT-VALUE}.")
    int parallelism = 2;

    @Mixin
    LocalClusterOptions cluster;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (keys < 1 || events < 1 || rate < 0 || parallelism < 1) {
            throw new IllegalArgumentException(
                    "--keys, --events and --parallelism must be positive, --rate not negative");
        }
        PrintWriter out = spec.commandLine().getOut();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(cluster.configuration(out));
        JsonNode meta = new ObjectMapper().readTree(resource("sensor-forecaster.json"));
        Path model = extractModel(meta.path("model").asText());
        float threshold = (float) meta.path("anomaly_threshold").asDouble();
        int warmup = meta.path("warmup_events").asInt();

        out.printf(
                "flink-rnn demo: %d sensors, %,d events, model %s (Keras %s, LSTM(16) -> Dense(1), next-reading forecast)%n",
                keys,
                events,
                meta.path("model").asText(),
                meta.path("keras_version").asText());
        out.printf(
                "a reading is flagged when it is more than %.2f from the forecast made one step before%n%n", threshold);
        out.flush();

        env.setParallelism(parallelism);
        env.enableCheckpointing(Duration.ofSeconds(1).toMillis());
        int sensors = keys;
        DataGeneratorSource<RnnEvent> source = new DataGeneratorSource<>(
                i -> new RnnEvent(SensorSignal.sensor((int) (i % sensors)), i / sensors, new float[] {
                    SensorSignal.reading((int) (i % sensors), i / sensors)
                }),
                events,
                rate > 0 ? RateLimiterStrategy.perSecond(rate) : RateLimiterStrategy.noOp(),
                TypeInformation.of(RnnEvent.class));
        var stream = env.fromSource(source, WatermarkStrategy.noWatermarks(), "sensors")
                // One reader keeps each sensor's steps in order.
                .setParallelism(1);
        var predictions = RnnInference.forModel(ModelSource.of(model).withVersion("sensor-forecaster"))
                .mode("stateful")
                .bundle(256, Duration.ofMillis(20))
                .apply(stream.keyBy(RnnEvent::key))
                .predictions();
        var lines = predictions
                .keyBy(p -> p.key())
                .process(new AnomalyDetector(threshold, warmup, 3))
                .returns(TypeInformation.of(DemoLine.class));

        DemoReport report = new DemoReport(out, events);
        try (CloseableIterator<DemoLine> it = lines.executeAndCollect("flink-rnn demo")) {
            while (it.hasNext()) {
                report.accept(it.next());
            }
        }
        report.summary(sensors, warmup);
        return 0;
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = DemoCommand.class.getResourceAsStream(RESOURCES + name);
        if (in == null) {
            throw new IOException("the jar lacks the demo resource " + name);
        }
        return in;
    }

    private static Path extractModel(String name) throws IOException {
        Path file = Files.createTempFile("flink-rnn-demo-", "-" + name);
        file.toFile().deleteOnExit();
        try (InputStream in = resource(name)) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }
}
