package io.flinkrnn.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The vectorized path (the tests' JVM loads jdk.incubator.vector) equals the scalar loops bit for bit. */
class VectorPathTest {

    @Test
    void testsRunTheVectorizedPath() {
        assertThat(JavaKernel.INSTANCE.vectorized()).isTrue();
        assertThat(JavaKernel.SCALAR.vectorized()).isFalse();
    }

    @Test
    void vectorizedEqualsScalarBitForBitOnEveryBlockShape() {
        everyBlockShape();
    }

    /** 256-bit vectors take the other blocking, 2-vector panels: on a CPU with 512-bit vectors a JVM held to AVX2 runs it. */
    @Test
    void avx2VectorsEqualScalarBitForBitOnEveryBlockShape() throws Exception {
        assumeTrue(JavaKernel.lanes() == 16, "the CPU has no 512-bit vectors: this JVM already ran 256-bit ones");
        Path log = Files.createTempFile("vector-path", ".txt");
        Process child = new ProcessBuilder(List.of(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-XX:UseAVX=2",
                        VectorModule.FLAG,
                        "-cp",
                        System.getProperty("java.class.path"),
                        VectorPathTest.class.getName()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!child.waitFor(120, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            throw new AssertionError("a JVM held to AVX2 did not finish within 120 s");
        }
        assertThat(child.exitValue())
                .as(Files.readString(log, StandardCharsets.UTF_8))
                .isZero();
        Files.delete(log);
    }

    /** Runs {@link #everyBlockShape} in a JVM of its own, which must have 8-float vectors. */
    public static void main(String[] args) {
        if (JavaKernel.lanes() != 8 || !JavaKernel.INSTANCE.vectorized()) {
            throw new AssertionError("expected the vectorized path with 8 float lanes, got " + JavaKernel.lanes());
        }
        everyBlockShape();
    }

    private static void everyBlockShape() {
        Random random = new Random(9);
        int lanes = JavaKernel.lanes();
        // Single vectors, 2- and 4-vector panels, several panels, and scalar tails after each.
        int[] widths = {
            1,
            7,
            lanes - 1,
            lanes,
            lanes + 3,
            2 * lanes,
            3 * lanes + 2,
            4 * lanes,
            4 * lanes + 1,
            5 * lanes + 5,
            8 * lanes,
            384,
            21 * lanes + 3
        };
        int[] batch = {1, 2, 3, 4, 5, 6, 7, 9, 10, 12, 13, 16, 24, 31, 53};
        for (int n : widths) {
            for (int rows : batch) {
                for (boolean accumulate : new boolean[] {false, true}) {
                    // Past 64 inputs a 4-vector panel is walked in passes (VectorMath.DEPTH); a
                    // product over no inputs still writes its zeros.
                    int k =
                            switch (random.nextInt(8)) {
                                case 0 -> 0;
                                case 1, 2 -> 60 + random.nextInt(150);
                                default -> 1 + random.nextInt(40);
                            };
                    int total = n + 3;
                    float[] w = fill(random, k * total);
                    Matrix mv = JavaKernel.INSTANCE.pack(w, k, total, 2, 2 + n);
                    Matrix ms = JavaKernel.SCALAR.pack(w, k, total, 2, 2 + n);
                    int xStride = k + 2;
                    float[] x = fill(random, rows * xStride + 1);
                    int outStride = n + 5;
                    float[] vector = fill(random, rows * outStride + 3);
                    float[] scalar = vector.clone();
                    JavaKernel.INSTANCE.multiply(rows, x, 1, xStride, mv, vector, 3, outStride, accumulate);
                    JavaKernel.SCALAR.multiply(rows, x, 1, xStride, ms, scalar, 3, outStride, accumulate);
                    assertThat(vector)
                            .as("n=%d rows=%d k=%d accumulate=%b lanes=%d", n, rows, k, accumulate, lanes)
                            .containsExactly(scalar);
                }
            }
        }
    }

    private static float[] fill(Random random, int size) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = random.nextFloat() * 2 - 1;
        }
        return a;
    }
}
