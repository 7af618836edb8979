package io.flinkrnn.jobs.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.jobs.cli.CliRun;
import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.fixtures.KerasExpectations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code replay} against what real Keras computed for the fixtures (docs/SEMANTICS.md section 7). */
class ReplayCommandTest {

    @TempDir
    Path dir;

    private CliRun last;

    private int replay(String... args) {
        last = CliRun.of("replay", args);
        return last.exit();
    }

    private static String model(Fixture f) {
        return f.file("keras").or(() -> f.file("h5")).orElseThrow().toString();
    }

    /**
     * Replays {@code f}'s model with {@code flags} (the events and more) into a fresh {@code --out}:
     * it must exit 0 and write exactly Keras's expected rows, in any order (docs/SEMANTICS.md section 7).
     * The model is the fixture's {@code .keras} or {@code .h5} unless {@code flags} name one.
     */
    private void assertReplaysLikeKeras(Fixture f, String... flags) {
        Path out = dir.resolve("out.csv");
        List<String> args = new ArrayList<>(List.of(flags));
        if (!args.contains("--model")) {
            args.addAll(List.of("--model", model(f)));
        }
        args.addAll(List.of("--out", out.toString()));
        assertThat(replay(args.toArray(String[]::new)))
                .as(last.err().toString())
                .isZero();
        KerasExpectations.assertMatchesInAnyOrder(CsvRow.read(out), f.expectedRows());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "keras3_stacked_long",
                "keras2_window_lstm",
                "keras3_gru_reset_before",
                "keras2_masking_seq",
                "keras3_convlstm_stacked",
                "keras2_convlstm_bidirectional_channels_first"
            })
    void directEngineReproducesKeras(String name) {
        Fixture f = Fixture.named(name);
        assertReplaysLikeKeras(f, "--events", f.events().toString(), "--batch", "7");
    }

    @Test
    void jsonConfigWithWeightsReproducesKeras() {
        Fixture f = Fixture.named("keras2_lstm_last");
        assertReplaysLikeKeras(
                f,
                "--model",
                f.file("json").orElseThrow().toString(),
                "--weights",
                f.file("weights").orElseThrow().toString(),
                "--events",
                f.events().toString());
    }

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({
        "keras3_lstm_seq, hashmap",
        "keras3_lstm_seq, rocksdb",
        "keras3_convlstm_channels_first, rocksdb",
        "keras2_convlstm_bidirectional, hashmap"
    })
    void flinkEngineWritesTheSameNumbers(String fixture, String backend) {
        Fixture f = Fixture.named(fixture);
        assertReplaysLikeKeras(
                f,
                "--events",
                f.events().toString(),
                "--engine",
                "flink",
                "--parallelism",
                "2",
                "--state-backend",
                backend);
    }

    @Test
    void badRowsGoToRejectsAndChangeNoState() throws Exception {
        Fixture f = Fixture.named("keras3_lstm_seq");
        List<String> lines = new ArrayList<>(Files.readAllLines(f.events()));
        String[] first = lines.get(1).split(",");
        String key = first[0];
        // Inserted after line 2 (the key's t=0 row), each bad in one way; the good rows must still match Keras.
        List<String> bad = List.of(
                key + ",5,1,2,3",
                key + ",5,1,2,x,4",
                key + ",5,1,NaN,3,4",
                key + ",5,1,2,Infinity,4",
                ",5,1,2,3,4",
                key + ",0,1,2,3,4");
        lines.addAll(2, bad);
        Path events = dir.resolve("events.csv");
        Files.write(events, lines);
        Path rejects = dir.resolve("rejects.csv");
        assertReplaysLikeKeras(f, "--events", events.toString(), "--rejects", rejects.toString());
        assertThat(Files.readAllLines(rejects))
                .containsExactly(
                        "line,key,reason",
                        "3,\"" + key + "\",\"expected 4 features, got 3\"",
                        "4,\"" + key + "\",\"x2 is not a number: 'x'\"",
                        "5,\"" + key + "\",\"feature x1 is NaN\"",
                        "6,\"" + key + "\",\"feature x2 is Infinity\"",
                        "7,\"\",\"event has no key\"",
                        "8,\"" + key + "\",\"t=0 is not after the key's last t=0\"");
    }

    @Test
    void strictStopsAtTheFirstBadRow() throws Exception {
        Fixture f = Fixture.named("keras3_lstm_seq");
        List<String> lines = new ArrayList<>(Files.readAllLines(f.events()));
        lines.add(3, "k0,99,1,2,3");
        Path events = dir.resolve("events.csv");
        Files.write(events, lines);
        assertThat(replay(
                        "--model",
                        model(f),
                        "--events",
                        events.toString(),
                        "--out",
                        dir.resolve("o.csv").toString(),
                        "--strict"))
                .isNotZero();
        assertThat(last.err().toString()).contains("line 4: expected 4 features, got 3");
    }

    @Test
    void aHeaderThatDoesNotFitTheModelIsOneClearLine() throws Exception {
        Fixture f = Fixture.named("keras3_lstm_seq");
        Path events = dir.resolve("events.csv");
        Files.write(events, List.of("key,t,x0", "a,0,1"));
        assertThat(replay(
                        "--model",
                        model(f),
                        "--events",
                        events.toString(),
                        "--out",
                        dir.resolve("o.csv").toString()))
                .isEqualTo(2);
        assertThat(last.err().toString().strip())
                .isEqualTo("error: " + events + " line 1: the header names 1 features, the model takes 4");
    }
}
