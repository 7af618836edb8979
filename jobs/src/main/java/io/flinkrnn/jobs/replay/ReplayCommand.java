package io.flinkrnn.jobs.replay;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.jobs.cli.ModelOptions;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.RnnInference;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code flink-rnn replay}: the offline twin of the streaming job (docs/SEMANTICS.md section 7). */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description = {
            "Runs a CSV of events (key,t,x0,x1,...) through a Keras model, every key a row of a stateful RNN,",
            "and writes the outputs (key,t,y0,y1,...). Bad rows go to --rejects with their line number."
        })
public final class ReplayCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--events", required = true, description = "Input CSV: header key,t,x0,x1,...")
    Path events;

    @Option(names = "--out", required = true, description = "Output CSV: key,t,y0,y1,...")
    Path out;

    @Option(
            names = "--engine",
            description = "direct (in-process engine) or flink (local Flink cluster). Default: ${DEFAULT-VALUE}.")
    String engine = "direct";

    @Option(names = "--parallelism", description = "Flink engine: operator parallelism. Default: ${DEFAULT-VALUE}.")
    int parallelism = 2;

    @Option(names = "--state-backend", description = "Flink engine: hashmap or rocksdb. Default: ${DEFAULT-VALUE}.")
    String stateBackend = "hashmap";

    @Option(names = "--rejects", description = "CSV for bad rows: line,key,reason.")
    Path rejects;

    @Option(names = "--strict", description = "Stop at the first bad row with a non-zero exit.")
    boolean strict;

    @Option(names = "--batch", description = "Direct engine: most keys per engine step. Default: ${DEFAULT-VALUE}.")
    int batch = 256;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!engine.equals("direct") && !engine.equals("flink")) {
            throw new IllegalArgumentException("--engine is direct or flink, got '" + engine + "'");
        }
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        }
        InferenceModel compiled = model.compile();
        PrintWriter err = spec.commandLine().getErr();
        Progress progress = new Progress(err);
        long written;
        try (RejectsCsv rejected = new RejectsCsv(rejects);
                PredictionCsv predictions = new PredictionCsv(out, compiled.outputSize())) {
            ReplayInput input = new ReplayInput(events, compiled.inputSize(), strict, rejected, progress);
            if (engine.equals("direct")) {
                DirectReplay direct = new DirectReplay(compiled, predictions, batch);
                input.forEach(p -> direct.accept(p.event()));
                direct.flush();
                written = direct.written();
            } else {
                FlinkReplay flink = new FlinkReplay(parallelism, stateBackend);
                List<RnnEvent> all = new ArrayList<>();
                input.forEach(p -> all.add(p.event()));
                RnnInference inference = model.inference().bundle(256, Duration.ofMillis(10));
                written = flink.run(all, inference, predictions);
            }
            err.printf(
                    "replay: %,d rows, %,d outputs, %,d rejected, %.1f s (%s engine, %s mode)%n",
                    progress.rows(), written, rejected.count(), progress.seconds(), engine, compiled.mode());
        }
        return 0;
    }
}
