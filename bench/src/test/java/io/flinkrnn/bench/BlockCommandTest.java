package io.flinkrnn.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code block --quick} times the Java products and reads the native side's numbers into the table. */
class BlockCommandTest {

    @Test
    void javaAndNativeRowsEachAgainstTheirOwnPeak(@TempDir Path dir) throws Exception {
        // Stands in for bench/native/block.c, compiled: what it prints, and nothing else.
        Path stub = dir.resolve("block");
        Files.writeString(
                stub, "#!/bin/sh\necho 'block 100.0'\necho 'tile 50.0'\necho 'tile-java 40.0'\necho 'peak 200.0'\n");
        Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
        CommandRun run = CommandRun.of(new BlockCommand(), "--quick", "--native", stub.toString());
        String out = run.out();
        assertThat(run.exit()).as(out).isZero();
        assertThat(out)
                .contains("# loadavg at start: ")
                .containsPattern("\\| Java [0-9][^|]* \\| [0-9.]+ \\| [0-9]+% \\| [0-9.]+ \\| [0-9]+% \\| [0-9.]+ \\|")
                .containsPattern(
                        "\\| Java, tile weights at the best / worst of 8 placements in a cache line \\| \\| \\|"
                                + " [0-9.]+ / [0-9.]+ \\| [0-9]+% / [0-9]+% \\| [0-9.]+ \\|")
                .contains("| C (cc -O3 -march=native) | 100.0 | 50% | 50.0 | 25% | 200.0 |")
                .contains("as a Java float[]'s data | | | 40.0 | 20% | 200.0 |")
                .containsPattern("# Java / C: block [0-9.]+, tile [0-9.]+");
    }
}
