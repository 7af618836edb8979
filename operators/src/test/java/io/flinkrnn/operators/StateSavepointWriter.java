package io.flinkrnn.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes the committed savepoints of {@link StateSavepoints}; runs only when asked, because its
 * output is committed once per key state layout. From the repository root:
 *
 * <pre>
 * mvn -B -o verify -pl operators -Dtest=StateSavepointWriter \
 *     -Dflink-rnn.savepoints.dir=$PWD/operators/src/test/resources/savepoints/layout-N
 * </pre>
 *
 * with N the new {@code KeyStateSerializer.LAYOUT}; keep the older directories and their tests.
 */
@EnabledIfSystemProperty(named = "flink-rnn.savepoints.dir", matches = ".+")
class StateSavepointWriter {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @TempDir
    Path checkpoints;

    @Test
    void writeHashmapAndRocksDbSavepoints() throws Exception {
        Path target = Path.of(System.getProperty("flink-rnn.savepoints.dir"));
        write("hashmap", SavepointFormatType.CANONICAL, target.resolve("hashmap"));
        write("rocksdb", SavepointFormatType.NATIVE, target.resolve("rocksdb"));
    }

    private void write(String backend, SavepointFormatType format, Path target) throws Exception {
        List<RnnEvent> events = StateSavepoints.events(0, StateSavepoints.cut());
        StreamExecutionEnvironment env = ClusterJobs.env(checkpoints, 2, backend, new Configuration());
        List<Prediction> outputs = new ArrayList<>();
        String savepoint = ClusterJobs.runUntilThenStop(
                env,
                checkpoints,
                ClusterJobs.inference(
                        RnnInference.forModel(StateSavepoints.v1()),
                        ClusterJobs.phase(env, events, 0, events.size(), 0, true)),
                events.size(),
                outputs,
                format);
        KerasOutputs.assertMatches(outputs, StateSavepoints.expected(0, StateSavepoints.cut()));
        copyTree(Path.of(URI.create(savepoint)), target);
        assertThat(target.resolve("_metadata")).exists();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            files.forEach(f -> {
                try {
                    Path dest = to.resolve(from.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(dest);
                    } else {
                        Files.copy(f, dest);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
