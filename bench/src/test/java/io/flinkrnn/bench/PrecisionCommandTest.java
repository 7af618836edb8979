package io.flinkrnn.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.Fixture;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code precision --quick} runs end to end, and its tables say what they must by construction. */
class PrecisionCommandTest {

    @Test
    void theQuickRunPrintsEveryPrecisionAndHalvesTheBytes() {
        Path root = Fixture.root().toAbsolutePath().getParent();
        CommandRun run = CommandRun.of(
                new PrecisionCommand(),
                "--quick",
                "--model",
                root.resolve("bench/models/lstm96x2_window4.h5").toString(),
                "--fixture",
                root.resolve("fixtures/keras3_stacked_long").toString());
        String out = run.out();
        assertThat(run.exit()).as(out).isZero();
        assertThat(out)
                .contains("# loadavg at start: ")
                .contains("### vs Keras: keras3_stacked_long, key long-0, first 1,000 steps")
                // float32 is the reference: no difference from itself in any range.
                .contains("| float32 | 101-1000 | ")
                .containsPattern(
                        "\\| float32 \\| 1-10 \\| [0-9.e+-]+ \\| [0-9.e+-]+ \\| 0\\.00e\\+00 \\| 0\\.00e\\+00 \\|")
                .contains("| bfloat16 | 101-1000 | ", "| float16 | 101-1000 | ")
                .contains("8 random streams of 1,000 steps")
                // 16 bytes of header and 386 values of 4 or 2 bytes.
                .contains("| lstm96x2_window4.h5 | 386 | 1560 | 788 | 788 |");
    }
}
