package io.flinkrnn.bench;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.engine.Mode;
import io.flinkrnn.model.KerasModels;
import io.flinkrnn.operators.ModelSource;
import io.flinkrnn.operators.Prediction;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.RnnInference;
import io.flinkrnn.sql.RnnInferFunction;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The SQL door against the DataStream operator: the same generated events (JobCommand's generator),
 * the same model in stateful mode, a MiniCluster at parallelism 2 on hashmap, once through {@code
 * RnnInference} and once through {@code RNN_INFER}; prints each path's events/s and their ratio.
 */
@Command(name = "sql", mixinStandardHelpOptions = true, description = "RNN_INFER's events/s against the operator's")
final class SqlPathCommand implements Callable<Integer> {

    @Option(names = "--quick", description = "fewer events")
    boolean quick;

    @Option(names = "--keys", defaultValue = "10000")
    int keys;

    @Option(names = "--events", description = "events per run (default 2,000,000; 200,000 with --quick)")
    Long events;

    @Option(names = "--model", defaultValue = "bench/models/lstm96x2_window4.h5")
    Path model;

    private static final int PARALLELISM = 2;
    private static final AtomicLong COUNT = new AtomicLong();

    @Override
    public Integer call() throws Exception {
        Locale.setDefault(Locale.ROOT);
        Machine.header("sql" + (quick ? " --quick" : ""));
        long total = events != null ? events : quick ? 200_000 : 2_000_000;
        int features =
                InferenceModel.compile(KerasModels.load(model), Mode.stateful()).inputSize();
        System.out.printf(
                "# model %s, stateful; %,d keys; %,d events per run; parallelism %d; hashmap state%n",
                model.getFileName(), keys, total, PARALLELISM);
        System.out.println();
        System.out.println("| path | events/s | vs operator |");
        System.out.println("| --- | ---: | ---: |");
        double operator = run("operator", total, features);
        System.out.printf("| DataStream `RnnInference` (bundles of 256 keys) | %,.0f | 1.00 |%n", operator);
        double sql = run("sql", total, features);
        System.out.printf("| SQL `RNN_INFER` (one row per engine step) | %,.0f | %.2f |%n", sql, sql / operator);
        System.out.println();
        System.out.printf("# RNN_INFER / operator: %.2f%n", sql / operator);
        Machine.footer();
        return 0;
    }

    /** Events/s of one path over the events after the first fifth (JIT, state creation), up to 98%. */
    private double run(String path, long total, int features) throws Exception {
        COUNT.set(0);
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, "hashmap");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(PARALLELISM);
        long perSubtask = (total + PARALLELISM - 1) / PARALLELISM + 1;
        DataStream<RnnEvent> source = env.fromSequence(0, Long.MAX_VALUE)
                .flatMap(new JobCommand.Generate(keys, perSubtask, 0, features))
                .name("events");
        DataStream<Long> counted = path.equals("sql")
                ? viaSql(env, source).map(new Count<>())
                : viaOperator(source).map(new Count<>());
        counted.sinkTo(new DiscardingSink<>());
        JobClient job = env.executeAsync(path);
        try {
            long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
            awaitCount(total / 5, deadline);
            long c0 = COUNT.get();
            long t0 = System.nanoTime();
            awaitCount((long) (total * 0.98), deadline);
            return (COUNT.get() - c0) / ((System.nanoTime() - t0) / 1e9);
        } finally {
            job.cancel().get();
        }
    }

    private DataStream<Prediction> viaOperator(DataStream<RnnEvent> events) {
        return RnnInference.forModel(ModelSource.of(model.toAbsolutePath()))
                .mode("stateful")
                .bundle(256, Duration.ofMillis(5))
                .apply(events.keyBy(RnnEvent::key))
                .predictions();
    }

    private DataStream<Row> viaSql(StreamExecutionEnvironment env, DataStream<RnnEvent> events) {
        TypeInformation<Row> type =
                Types.ROW_NAMED(new String[] {"key", "xs"}, Types.STRING, Types.PRIMITIVE_ARRAY(Types.FLOAT));
        DataStream<Row> rows = events.map(e -> Row.of(e.key(), e.features())).returns(type);
        StreamTableEnvironment tables = StreamTableEnvironment.create(env);
        tables.createTemporarySystemFunction(RnnInferFunction.NAME, RnnInferFunction.class);
        tables.createTemporaryView("events", tables.fromDataStream(rows));
        return tables.toDataStream(tables.sqlQuery("SELECT * FROM RNN_INFER(input => TABLE events PARTITION BY key,"
                + " model => '" + model.toAbsolutePath() + "', features => DESCRIPTOR(xs), mode => 'stateful',"
                + " uid => 'rnn')"));
    }

    private static void awaitCount(long count, long deadline) throws InterruptedException {
        while (COUNT.get() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the job did not finish in time");
            }
            Thread.sleep(5);
        }
    }

    /** Counts outputs as they leave the job. */
    private static final class Count<T> implements MapFunction<T, Long> {
        @Override
        public Long map(T value) {
            return COUNT.incrementAndGet();
        }
    }
}
