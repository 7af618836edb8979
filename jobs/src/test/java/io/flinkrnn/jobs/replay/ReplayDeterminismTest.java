package io.flinkrnn.jobs.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.jobs.cli.FlinkRnnCli;
import io.flinkrnn.model.fixtures.Fixture;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Same events, same bits, through the command users audit with (docs/SEMANTICS.md section 10):
 * {@code replay} writes the same output text, byte for byte once rows are sorted, on the direct
 * engine at batch sizes 1, 7 and 256 and on the Flink operator at parallelism 1 on hashmap and 3
 * on RocksDB, whose bundles group keys by arrival and timing. Stateful and window models, the
 * Keras fixtures and a benchmark LSTM(64)x2 whose gates fill whole vectors on 200 keys.
 */
class ReplayDeterminismTest {

    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("keras3_stacked_long", true),
                Arguments.of("keras3_window_lstm", true),
                Arguments.of("keras3_gru_reset_before", false),
                Arguments.of("keras2_convlstm_bidirectional", false),
                Arguments.of("bench/models/lstm64x2_window4.h5", true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyEngineBatchParallelismAndBackendWritesTheSameText(String model, boolean flinkToo) throws IOException {
        Path file;
        Path events;
        if (model.endsWith(".h5")) {
            file = Fixture.root().toAbsolutePath().getParent().resolve(model);
            events = randomEvents(200, 30, 12);
        } else {
            Fixture f = Fixture.named(model);
            file = f.file("keras").or(() -> f.file("h5")).orElseThrow();
            events = f.events();
        }
        List<String> reference = replay(file, events, "--batch", "256");
        assertThat(reference).as("outputs of %s", model).hasSizeGreaterThan(10);
        assertThat(replay(file, events, "--batch", "1")).as("batch 1").isEqualTo(reference);
        assertThat(replay(file, events, "--batch", "7")).as("batch 7").isEqualTo(reference);
        if (flinkToo) {
            assertThat(replay(file, events, "--engine", "flink", "--parallelism", "1", "--state-backend", "hashmap"))
                    .as("Flink at parallelism 1 on hashmap")
                    .isEqualTo(reference);
            assertThat(replay(file, events, "--engine", "flink", "--parallelism", "3", "--state-backend", "rocksdb"))
                    .as("Flink at parallelism 3 on RocksDB")
                    .isEqualTo(reference);
        }
    }

    /** The output rows sorted, so that engines that interleave keys differently compare as text. */
    private List<String> replay(Path model, Path events, String... options) throws IOException {
        Path out = Files.createTempFile(dir, "out", ".csv");
        StringWriter err = new StringWriter();
        CommandLine cli = FlinkRnnCli.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        List<String> args = new ArrayList<>(
                List.of("replay", "--model", model.toString(), "--events", events.toString(), "--out", out.toString()));
        args.addAll(List.of(options));
        assertThat(cli.execute(args.toArray(String[]::new))).as(err.toString()).isZero();
        return Files.readAllLines(out).stream().sorted().toList();
    }

    /** {@code keys} keys of {@code steps} seeded normal events each, interleaved step by step. */
    private Path randomEvents(int keys, int steps, int features) throws IOException {
        Random random = new Random(16);
        List<String> lines = new ArrayList<>();
        StringBuilder header = new StringBuilder("key,t");
        for (int i = 0; i < features; i++) {
            header.append(",x").append(i);
        }
        lines.add(header.toString());
        for (int t = 0; t < steps; t++) {
            for (int k = 0; k < keys; k++) {
                StringBuilder line = new StringBuilder("k" + k + "," + t);
                for (int i = 0; i < features; i++) {
                    line.append(',').append(String.format(Locale.ROOT, "%.6f", random.nextGaussian()));
                }
                lines.add(line.toString());
            }
        }
        Path events = dir.resolve("events.csv");
        Files.write(events, lines);
        return events;
    }
}
