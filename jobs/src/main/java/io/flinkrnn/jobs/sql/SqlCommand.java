package io.flinkrnn.jobs.sql;

import io.flinkrnn.jobs.cli.LocalClusterOptions;
import io.flinkrnn.sql.RnnInferFunction;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.ResultKind;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.api.internal.TableEnvironmentInternal;
import org.apache.flink.table.operations.QueryOperation;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code flink-rnn sql}: runs a Flink SQL script on the embedded MiniCluster with {@code RNN_INFER}
 * registered, the {@code flink-rnn} model provider for {@code ML_PREDICT}, and the Kafka connector
 * with the JSON format on the classpath. Statements run in order; the command ends when the jobs
 * its {@code INSERT}s started end (a bounded source), and cancels them when it is interrupted.
 */
@Command(
        name = "sql",
        mixinStandardHelpOptions = true,
        description = "Runs a Flink SQL script with RNN_INFER and the flink-rnn ML_PREDICT provider on an embedded"
                + " Flink.")
public final class SqlCommand implements Callable<Integer> {

    static final class Source {
        @Option(
                names = {"-f", "--file"},
                required = true,
                description = "The SQL script.")
        Path file;

        @Option(names = "--sql", required = true, description = "SQL statements, separated by ';'.")
        String sql;
    }

    @ArgGroup(multiplicity = "1")
    Source source;

    @Option(
            names = "--var",
            paramLabel = "NAME=VALUE",
            description = "Fills ${NAME} (or ${NAME:-default}) in the script; repeatable.")
    Map<String, String> vars = new LinkedHashMap<>();

    @Option(names = "--parallelism", description = "Default parallelism of the jobs. Default: ${DEFAULT-VALUE}.")
    int parallelism = 2;

    @Mixin
    LocalClusterOptions cluster;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String script = source.file != null ? Files.readString(source.file) : source.sql;
        List<String> statements = SqlScript.statements(SqlScript.substitute(script, vars));
        if (statements.isEmpty()) {
            throw new IllegalArgumentException("the script has no statement");
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(cluster.configuration(out));
        env.setParallelism(parallelism);
        StreamTableEnvironment tables = StreamTableEnvironment.create(env);
        tables.createTemporarySystemFunction(RnnInferFunction.NAME, RnnInferFunction.class);
        List<JobClient> jobs = new ArrayList<>();
        try {
            for (int i = 0; i < statements.size(); i++) {
                run(tables, statements.get(i), i + 1, jobs, out);
            }
            for (JobClient job : jobs) {
                try {
                    job.getJobExecutionResult().get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("job " + job.getJobID() + " failed: " + rootMessage(e), e);
                }
            }
        } catch (InterruptedException e) {
            for (JobClient job : jobs) {
                job.cancel();
            }
            Thread.currentThread().interrupt();
            return 130;
        }
        return 0;
    }

    /**
     * Runs statement {@code n}: a {@code SET 'key' = 'value'} sets the session's configuration; an
     * INSERT's job joins {@code jobs}; rows of a query (or of SHOW, DESCRIBE, EXPLAIN) are printed
     * as they come.
     *
     * @throws IllegalStateException naming the statement and the innermost cause, which is where
     *     Flink puts what went wrong (a missing table, a model that cannot serve, a bad argument)
     */
    private static void run(
            StreamTableEnvironment tables, String statement, int n, List<JobClient> jobs, PrintWriter out)
            throws InterruptedException {
        Map.Entry<String, String> setting = SqlScript.setting(statement);
        if (setting != null) {
            // As the SQL Client does: the session's configuration, for the jobs submitted after it.
            tables.getConfig().set(setting.getKey(), setting.getValue());
            return;
        }
        try {
            boolean query = isQuery(tables, statement);
            TableResult result = tables.executeSql(statement);
            if (!query && result.getJobClient().isPresent()) {
                jobs.add(result.getJobClient().get());
                out.printf("started job %s%n", result.getJobClient().get().getJobID());
            } else if (result.getResultKind() == ResultKind.SUCCESS_WITH_CONTENT) {
                print(result, out);
            }
            out.flush();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("statement " + n + ": " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }

    /** Whether the statement is a query, whose rows are printed, rather than an INSERT whose job to wait for. */
    private static boolean isQuery(StreamTableEnvironment tables, String statement) {
        return ((TableEnvironmentInternal) tables)
                .getParser().parse(statement).stream().anyMatch(QueryOperation.class::isInstance);
    }

    /** A query's rows as they arrive, one line each, columns separated by {@code |}. */
    private static void print(TableResult result, PrintWriter out) throws Exception {
        out.println(String.join(" | ", result.getResolvedSchema().getColumnNames()));
        try (CloseableIterator<Row> rows = result.collect()) {
            while (rows.hasNext()) {
                Row row = rows.next();
                StringJoiner line = new StringJoiner(" | ");
                for (int i = 0; i < row.getArity(); i++) {
                    Object v = row.getField(i);
                    line.add(v instanceof Object[] array ? Arrays.deepToString(array) : String.valueOf(v));
                }
                out.println(line);
                out.flush();
            }
        }
    }
}
