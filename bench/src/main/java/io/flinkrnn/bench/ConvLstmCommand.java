package io.flinkrnn.bench;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.engine.Mode;
import io.flinkrnn.engine.ops.JavaKernel;
import io.flinkrnn.model.spec.Activation;
import io.flinkrnn.model.spec.ConvLstm2dCellSpec;
import io.flinkrnn.model.spec.KerasVersion;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.model.spec.RecurrentSpec;
import io.flinkrnn.model.spec.Shape;
import io.flinkrnn.model.spec.Size2d;
import io.flinkrnn.model.spec.Tensor;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Camera streams: a stateful {@code ConvLSTM2D(16, (3, 3), padding='same', return_sequences=True)}
 * on 32x32x3 frames, each key a camera, stepped one frame per key on one thread: frames/s per core.
 */
@Command(name = "convlstm", mixinStandardHelpOptions = true, description = "ConvLSTM2D frames/s per core")
final class ConvLstmCommand implements Callable<Integer> {

    private static final int ROWS = 32;
    private static final int COLS = 32;
    private static final int CHANNELS = 3;
    private static final int FILTERS = 16;
    private static final int[] KEYS = {1, 4, 16};

    @Option(names = "--quick", description = "short timings")
    boolean quick;

    @Override
    public Integer call() throws Exception {
        Locale.setDefault(Locale.ROOT);
        Machine.header("convlstm" + (quick ? " --quick" : ""));
        ModelSpec spec = model();
        System.out.printf(
                "# ConvLSTM2D(%d, (3, 3), same) on %dx%dx%d frames, stateful: %d floats per event, state %d floats"
                        + " per key%n%n",
                FILTERS,
                ROWS,
                COLS,
                CHANNELS,
                ROWS * COLS * CHANNELS,
                InferenceModel.compile(spec, Mode.stateful()).stateLayout().size());
        System.out.println("| cameras per step | vectorized frames/s | scalar frames/s |");
        System.out.println("| ---: | ---: | ---: |");
        for (int keys : KEYS) {
            double vector =
                    JavaKernel.INSTANCE.vectorized() ? framesPerSecond(spec, JavaKernel.INSTANCE, keys) : Double.NaN;
            double scalar = framesPerSecond(spec, JavaKernel.SCALAR, keys);
            System.out.printf("| %d | %,.0f | %,.0f |%n", keys, vector, scalar);
        }
        Machine.footer();
        return 0;
    }

    private double framesPerSecond(ModelSpec spec, JavaKernel kernel, int keys) throws Exception {
        InferenceModel model = InferenceModel.compile(spec, Mode.stateful(), kernel);
        Random random = new Random(3);
        float[][] frames = new float[keys][model.inputSize()];
        float[][] states = new float[keys][];
        float[][] outputs = new float[keys][model.outputSize()];
        boolean[] emitted = new boolean[keys];
        for (int k = 0; k < keys; k++) {
            for (int i = 0; i < frames[k].length; i++) {
                frames[k][i] = random.nextFloat();
            }
            states[k] = model.newState();
        }
        return Rate.eventsPerSecond(
                () -> model.step(keys, frames, states, outputs, emitted), keys, quick ? 0.5 : 2, quick ? 1 : 4);
    }

    private static ModelSpec model() {
        Random random = new Random(1);
        ConvLstm2dCellSpec cell = new ConvLstm2dCellSpec(
                FILTERS,
                new Size2d(3, 3),
                new Size2d(1, 1),
                ConvLstm2dCellSpec.Padding.SAME,
                new Size2d(1, 1),
                ConvLstm2dCellSpec.DataFormat.CHANNELS_LAST,
                new Size2d(ROWS, COLS),
                CHANNELS,
                Activation.TANH,
                Activation.SIGMOID,
                weights(random, 3, 3, CHANNELS, 4 * FILTERS),
                weights(random, 3, 3, FILTERS, 4 * FILTERS),
                weights(random, 4 * FILTERS));
        RecurrentSpec layer = new RecurrentSpec("conv_lstm2d", "ConvLSTM2D", cell, true, false, false, false);
        return new ModelSpec(
                "convlstm_32x32x3_f16",
                "bench",
                KerasVersion.parse("3.15.1"),
                Shape.sequence(null, ROWS, COLS, CHANNELS),
                false,
                Optional.empty(),
                List.of(layer));
    }

    private static Tensor weights(Random random, int... shape) {
        float[] data = new float[Math.toIntExact(Tensor.size(shape))];
        for (int i = 0; i < data.length; i++) {
            data[i] = (random.nextFloat() - 0.5f) * 0.2f;
        }
        return new Tensor(shape, data);
    }
}
