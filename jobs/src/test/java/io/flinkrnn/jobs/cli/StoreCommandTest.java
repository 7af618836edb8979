package io.flinkrnn.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.Fixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flink-rnn store} as a user runs it (docs/SEMANTICS.md section 8). */
class StoreCommandTest {

    private static final Fixture LSTM = Fixture.named("keras3_lstm_seq");
    private static final Fixture JSON = Fixture.named("keras2_lstm_last");

    @TempDir
    Path root;

    private CliRun last;

    private int store(String... args) {
        String[] all = Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--store";
        all[args.length + 1] = root.toUri().toString();
        last = CliRun.of("store", all);
        return last.exit();
    }

    @Test
    void putListInspectVerifyAndCatchATamperedFile() throws Exception {
        assertThat(store(
                        "put",
                        "--name",
                        "sensors",
                        "--model",
                        LSTM.file("keras").orElseThrow().toString()))
                .as(last.err().toString())
                .isZero();
        assertThat(last.out().toString()).startsWith("stored sensors 1  Keras " + LSTM.kerasVersion());
        assertThat(store(
                        "put",
                        "--name",
                        "sensors",
                        "--model",
                        JSON.file("json").orElseThrow().toString(),
                        "--weights",
                        JSON.file("weights").orElseThrow().toString()))
                .isZero();

        assertThat(store("list")).isZero();
        assertThat(last.out().toString().lines()).hasSize(2).allMatch(l -> l.startsWith("sensors "));
        assertThat(last.out().toString()).contains("sensors 1  Keras 3.").contains("sensors 2  Keras 2.");

        assertThat(store("inspect", "--name", "sensors", "--version", "1")).isZero();
        assertThat(last.out().toString())
                .contains("model    model.keras")
                .contains("Total params: " + String.format("%,d", LSTM.countParams()));

        assertThat(store("verify")).isZero();
        assertThat(last.out().toString()).contains("all stored files match their manifests");

        Path stored = root.resolve("sensors/2/weights.h5");
        Files.write(stored, new byte[] {42}, StandardOpenOption.APPEND);
        assertThat(store("verify", "--name", "sensors")).isEqualTo(1);
        assertThat(last.err().toString())
                .contains(stored.getFileName().toString())
                .contains("does not match the manifest's");
        assertThat(store("inspect", "--name", "sensors")).isEqualTo(2);
        assertThat(last.err().toString()).contains("refusing to load sensors version 2");
    }

    @Test
    void putRefusesAModelFlinkRnnCannotRun() throws Exception {
        Path notKeras = root.resolve("model.h5");
        Files.writeString(notKeras, "definitely not HDF5");
        assertThat(store("put", "--name", "broken", "--model", notKeras.toString()))
                .isEqualTo(2);
        assertThat(last.err().toString()).startsWith("error: " + notKeras);
        assertThat(store("list")).isZero();
        assertThat(last.out().toString()).startsWith("no models in ");
    }
}
