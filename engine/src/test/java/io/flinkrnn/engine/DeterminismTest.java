package io.flinkrnn.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flinkrnn.engine.ops.JavaKernel;
import io.flinkrnn.engine.ops.VectorModule;
import io.flinkrnn.model.fixtures.Fixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Same events, same bits (docs/SEMANTICS.md section 10): a key's outputs are a function of its
 * events alone, whatever the JIT tier that ran the code, the vector width, the kernel path or the
 * keys batched beside it. Each case compares the output text of {@link DeterminismProbe} runs with
 * a run of this JVM that is hot (C2-compiled after a warm-up): child JVMs interpreted ({@code
 * -Xint}), fresh (cold turning hot during the run), C1 only, without the Vector API (scalar
 * kernel), and with AVX2's 8 lanes instead of AVX-512's 16 where the CPU has both; and this JVM at
 * batch sizes 1 and 7.
 *
 * <p>The sigmoid and tanh of the fixtures' LSTM and GRU cells run lane-wise on the vector path and
 * scalar on tails and without the module; ConvLSTM2D runs them over pixels; the activations case
 * runs the general path; the benchmark's LSTM(64) models fill whole vectors. Before the engine had
 * its own float32 exp, a fresh JVM's outputs changed in their last bits once C2 compiled the vector
 * path, and differed from the scalar path's.
 */
class DeterminismTest {

    private static final int KEYS = 128;
    private static final int STEPS = 50;
    private static final int BATCH = 64;
    /** Rows before the measured ones, enough for C2 to compile every hot method. */
    private static final int WARMUP_STEPS = 150;

    private static final long CHILD_TIMEOUT_SECONDS = 300;

    private static final Map<String, List<String>> HOT = new ConcurrentHashMap<>();

    @TempDir
    Path dir;

    /**
     * Fixtures whose cells are narrower than a vector on some CPUs, and the benchmark's LSTM(64)
     * models, whose gates fill whole vectors on every CPU, in both modes.
     */
    static List<String> models() {
        return List.of(
                "keras3_stacked_long",
                "keras3_window_lstm",
                "keras3_activations_rnn",
                "keras3_convlstm_last",
                "bench/models/lstm64_seq.h5",
                "bench/models/lstm64x2_window4.h5");
    }

    private static List<String> hot(String model) {
        return HOT.computeIfAbsent(
                model, m -> DeterminismProbe.outputs(new DeterminismProbe.Run(m, KEYS, STEPS, BATCH, WARMUP_STEPS)));
    }

    @ParameterizedTest
    @MethodSource("models")
    void batchesOfOtherSizesGiveTheSameBits(String model) {
        List<String> hot = hot(model);
        assertThat(hot).as("outputs of %s", model).hasSizeGreaterThan(KEYS * STEPS / 2);
        for (int batch : new int[] {1, 7}) {
            assertThat(DeterminismProbe.outputs(new DeterminismProbe.Run(model, KEYS, STEPS, batch, 0)))
                    .as("%s at batch %d", model, batch)
                    .isEqualTo(hot);
        }
    }

    @Test
    void anInterpretedColdRunGivesTheHotRunsBits() throws Exception {
        // The interpreter runs the Vector API lane by lane in Java: a few keys and steps only.
        int keys = 4;
        int steps = 12;
        Map<String, List<String>> cold = child(keys, steps, 3, List.of("-Xint", VectorModule.FLAG), true);
        for (String model : models()) {
            int window = Math.max(DeterminismProbe.model(model).mode().window(), 1);
            assertThat(cold.get(model))
                    .as("%s interpreted", model)
                    .hasSize(keys * (steps - window + 1))
                    .isSubsetOf(hot(model));
        }
    }

    @Test
    void aFreshJvmGivesTheHotRunsBits() throws Exception {
        assertEqualsHot(child(KEYS, STEPS, BATCH, List.of(VectorModule.FLAG), true), "a fresh JVM");
    }

    @Test
    void c1CompiledCodeGivesTheHotRunsBits() throws Exception {
        assertEqualsHot(
                child(KEYS, STEPS, BATCH, List.of("-XX:TieredStopAtLevel=1", VectorModule.FLAG), true), "C1 only");
    }

    @Test
    void theScalarKernelGivesTheVectorKernelsBits() throws Exception {
        assertEqualsHot(child(KEYS, STEPS, BATCH, List.of(), false), "without the Vector API");
    }

    @Test
    void avx2VectorsGiveTheAvx512VectorsBits() throws Exception {
        assumeTrue(JavaKernel.lanes() == 16, "the CPU has no 512-bit vectors to compare 256-bit ones with");
        assertEqualsHot(child(KEYS, STEPS, BATCH, List.of("-XX:UseAVX=2", VectorModule.FLAG), true), "AVX2");
    }

    private static void assertEqualsHot(Map<String, List<String>> outputs, String how) {
        for (String model : models()) {
            assertThat(outputs.get(model)).as("%s, %s", model, how).isEqualTo(hot(model));
        }
    }

    /**
     * Runs {@link DeterminismProbe} on every model in a new JVM with {@code flags} and returns its
     * output lines by model, after checking that it ran the kernel path asked for ({@code vectorized}).
     */
    private Map<String, List<String>> child(int keys, int steps, int batch, List<String> flags, boolean vectorized)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(flags);
        command.add("-Dfixtures.dir=" + Fixture.root().toAbsolutePath());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(DeterminismProbe.class.getName());
        for (int arg : new int[] {keys, steps, batch, 0}) {
            command.add(String.valueOf(arg));
        }
        command.addAll(models());
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process process = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!process.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("no result within " + CHILD_TIMEOUT_SECONDS + " s from a JVM with " + flags);
        }
        assertThat(process.exitValue())
                .as("a JVM with %s: %s", flags, Files.readString(err, StandardCharsets.UTF_8))
                .isZero();
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertThat(lines.get(0)).as("kernel path with %s", flags).startsWith("# vectorized=" + vectorized);
        if (flags.contains("-XX:UseAVX=2")) {
            assertThat(lines.get(0)).endsWith("lanes=8");
        }
        Map<String, List<String>> byModel = new LinkedHashMap<>();
        List<String> current = null;
        for (String line : lines.subList(1, lines.size())) {
            if (line.startsWith(DeterminismProbe.SECTION)) {
                current = new ArrayList<>();
                byModel.put(line.substring(DeterminismProbe.SECTION.length()), current);
            } else {
                current.add(line);
            }
        }
        assertThat(byModel.keySet()).containsExactlyElementsOf(models());
        return byModel;
    }
}
