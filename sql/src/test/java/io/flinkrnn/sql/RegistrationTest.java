package io.flinkrnn.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.Fixture;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every documented way to make RNN_INFER callable plans the same call: the module, a system
 * function by class name, and a catalog function from a jar.
 */
class RegistrationTest {

    @TempDir
    static Path dir;

    @ParameterizedTest
    @ValueSource(
            strings = {
                "LOAD MODULE flinkrnn",
                "CREATE TEMPORARY SYSTEM FUNCTION RNN_INFER AS 'io.flinkrnn.sql.RnnInferFunction'",
                "CREATE FUNCTION rnn_infer AS 'io.flinkrnn.sql.RnnInferFunction' USING JAR '%s'"
            })
    void eachRegistrationPlansTheCall(String registration) throws IOException {
        TableEnvironment tables = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        tables.executeSql(registration.formatted(functionJar()));
        tables.executeSql("CREATE TABLE events (key STRING, xs ARRAY<FLOAT>, restart BOOLEAN, ts TIMESTAMP_LTZ(3),"
                + " WATERMARK FOR ts AS ts) WITH ('connector' = 'datagen')");
        // Every argument by name: a name that is a SQL keyword would fail to parse here.
        String plan = tables.explainSql("SELECT * FROM RNN_INFER(input => TABLE events PARTITION BY key, model => '"
                + Fixture.named("keras3_lstm_seq").file("keras").orElseThrow()
                + "', features => DESCRIPTOR(xs), mode => 'window', window_size => 4, store => 'file:///tmp/s',"
                + " version => 'v1', resets => DESCRIPTOR(restart), errors => 'emit', on_time => DESCRIPTOR(ts),"
                + " uid => 'rnn')");
        assertThat(plan)
                .contains("ProcessTableFunction(invocation=[RNN_INFER(")
                .contains("uid=[rnn]")
                .contains("model_version");
    }

    /** The module's compiled classes as a jar, standing in for flink-rnn-sql.jar. */
    private static Path functionJar() throws IOException {
        Path jar = dir.resolve("flink-rnn-sql.jar");
        if (Files.exists(jar)) {
            return jar;
        }
        Path classes = Path.of(RnnInferFunction.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .getPath());
        try (OutputStream file = Files.newOutputStream(jar);
                JarOutputStream out = new JarOutputStream(file);
                Stream<Path> walk = Files.walk(classes)) {
            List<Path> files = walk.filter(Files::isRegularFile).toList();
            for (Path f : files) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString()));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        return jar;
    }
}
