package io.flinkrnn.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.Fixture;
import org.junit.jupiter.api.Test;

/** {@code flink-rnn sql}: a script's results printed, its errors one line. */
class SqlCommandTest {

    @Test
    void queriesAndShowStatementsPrintTheirRows() {
        String model =
                Fixture.named("keras3_window_lstm").file("keras").orElseThrow().toString();
        CliRun run = CliRun.of(
                "sql",
                "--no-web-ui",
                "--var",
                "model=" + model,
                "--sql",
                "CREATE TEMPORARY MODEL m INPUT (w ARRAY<ARRAY<FLOAT>>) OUTPUT (y ARRAY<FLOAT>)"
                        + " WITH ('provider' = 'flink-rnn', 'path' = '${model}');"
                        + " SHOW CURRENT CATALOG; SELECT n FROM (VALUES (41 + 1)) AS t(n)");
        assertThat(run.exit()).as("exit; stderr: %s", run.err()).isZero();
        assertThat(run.out().toString()).contains("\ndefault_catalog\n").contains("n\n42\n");
    }

    @Test
    void aFailingStatementIsOneLine() {
        CliRun run = CliRun.of("sql", "--no-web-ui", "--sql", "SELECT * FROM no_such_table");
        assertThat(run.exit()).isNotZero();
        assertThat(run.err().toString()).contains("no_such_table").doesNotContain("\tat ");
    }

    @Test
    void aVariableWithNoValueIsNamed() {
        CliRun run = CliRun.of("sql", "--no-web-ui", "--sql", "SELECT '${bootstrap}'");
        assertThat(run.exit()).isNotZero();
        assertThat(run.err().toString()).contains("give it with --var bootstrap=VALUE");
    }

    @Test
    void aFailingJobSaysWhyInOneLine() {
        String model =
                Fixture.named("keras3_window_lstm").file("keras").orElseThrow().toString();
        CliRun run = CliRun.of(
                "sql",
                "--no-web-ui",
                "--sql",
                "CREATE TEMPORARY VIEW e AS SELECT * FROM (VALUES ('a', ARRAY[CAST(1 AS FLOAT), 2, 3])) AS t(k, xs);"
                        + " SELECT * FROM RNN_INFER(input => TABLE e PARTITION BY k, model => '" + model
                        + "', features => DESCRIPTOR(xs), mode => 'window', window_size => 1)");
        assertThat(run.exit()).isNotZero();
        assertThat(run.err().toString())
                .contains("statement 2: ")
                .contains("takes sequences of exactly 8 steps, so it cannot run over a window of 1")
                .doesNotContain("\tat ");
    }
}
