package io.flinkrnn.engine.cell;

import io.flinkrnn.engine.ops.Affine;
import io.flinkrnn.engine.ops.Buffers;
import io.flinkrnn.engine.ops.Im2col;
import io.flinkrnn.engine.ops.Kernel;
import io.flinkrnn.engine.ops.Matrix;
import io.flinkrnn.model.spec.Activation;
import io.flinkrnn.model.spec.ConvLstm2dCellSpec;
import io.flinkrnn.model.spec.ConvLstm2dCellSpec.DataFormat;
import io.flinkrnn.model.spec.ConvLstm2dCellSpec.Padding;
import io.flinkrnn.model.spec.Size2d;
import io.flinkrnn.model.spec.Tensor;

/**
 * Keras's {@code ConvLSTMCell} for 2-D frames: {@code z = conv(x, W) + b + conv(h, U)}, then the
 * LSTM update per pixel ({@link LstmGates}). Both convolutions run as {@link Im2col} patches times
 * the kernel, one key at a time so that the pixels of one frame are the matrix rows. The recurrent
 * convolution is Keras's {@code recurrent_conv}: stride 1, {@code 'same'}, no dilation.
 *
 * <p>States h and c are {@code filters × outRows × outCols} maps in the layer's {@code data_format}
 * order, as Keras holds them. The gate math wants pixels × filters; with {@code channels_first} the
 * maps are transposed into that order and back around each step.
 */
public final class ConvLstm2dCell implements Cell {

    private final int filters;
    private final int inputSize;
    private final int stateSize;
    private final boolean channelsFirst;
    private final Activation activation;
    private final Activation recurrentActivation;
    private final Im2col inputPatches;
    private final Im2col recurrentPatches;
    private final Affine input;
    private final Affine recurrent;
    private float[] xp = new float[0];
    private float[] hp = new float[0];
    private float[] z = new float[0];
    private float[] hPixels = new float[0];
    private float[] cPixels = new float[0];

    public ConvLstm2dCell(ConvLstm2dCellSpec spec, Kernel kernel) {
        this.filters = spec.filters();
        this.inputSize = spec.inputSize();
        this.stateSize = spec.outputSize();
        this.channelsFirst = spec.dataFormat() == DataFormat.CHANNELS_FIRST;
        this.activation = spec.activation();
        this.recurrentActivation = spec.recurrentActivation();
        Size2d one = new Size2d(1, 1);
        this.inputPatches = new Im2col(
                spec.frame(),
                spec.inputChannels(),
                !channelsFirst,
                spec.kernelSize(),
                spec.strides(),
                spec.dilationRate(),
                spec.padding(),
                spec.outputFrame());
        this.recurrentPatches = new Im2col(
                spec.outputFrame(), filters, true, spec.kernelSize(), one, one, Padding.SAME, spec.outputFrame());
        int gates = LstmGates.GATES * filters;
        // Keras adds the bias to the input convolution, then the recurrent one: conv(x) + b + conv(h).
        this.input = new Affine(kernel, pack(kernel, spec.kernel(), inputPatches, gates), Affine.vector(spec.bias()));
        this.recurrent = new Affine(kernel, pack(kernel, spec.recurrentKernel(), recurrentPatches, gates), null);
    }

    private static Matrix pack(Kernel kernel, Tensor weight, Im2col patches, int gates) {
        if (weight.rank() != 4
                || weight.dim(0) * weight.dim(1) * weight.dim(2) != patches.patchSize()
                || weight.dim(3) != gates) {
            throw new IllegalArgumentException("ConvLSTMCell cannot use kernel " + weight.shapeString() + " for "
                    + patches.patchSize() + " values per patch and " + gates + " gate outputs");
        }
        return kernel.pack(weight.data(), patches.patchSize(), gates, 0, gates);
    }

    @Override
    public int inputSize() {
        return inputSize;
    }

    @Override
    public int outputSize() {
        return stateSize;
    }

    @Override
    public int[] stateSizes() {
        return new int[] {stateSize, stateSize};
    }

    @Override
    public int outputState() {
        return 0;
    }

    @Override
    public void step(
            int rows,
            float[] x,
            int xOffset,
            int xStride,
            float[][] states,
            float[] out,
            int outOffset,
            int outStride) {
        int pixels = recurrentPatches.pixels();
        int n = LstmGates.GATES * filters;
        xp = Buffers.ensure(xp, pixels * inputPatches.patchSize());
        hp = Buffers.ensure(hp, pixels * recurrentPatches.patchSize());
        z = Buffers.ensure(z, pixels * n);
        for (int r = 0; r < rows; r++) {
            int s = r * stateSize;
            float[] h = states[0];
            float[] c = states[1];
            int at = s;
            if (channelsFirst) {
                hPixels = toPixels(states[0], s, hPixels);
                cPixels = toPixels(states[1], s, cPixels);
                h = hPixels;
                c = cPixels;
                at = 0;
            }
            inputPatches.fill(x, xOffset + r * xStride, xp);
            input.apply(pixels, xp, 0, inputPatches.patchSize(), z, 0, n);
            recurrentPatches.fill(h, at, hp);
            recurrent.accumulate(pixels, hp, 0, recurrentPatches.patchSize(), z, 0, n);
            LstmGates.update(activation, recurrentActivation, z, null, pixels, filters, h, at, c, at);
            if (channelsFirst) {
                transpose(hPixels, 0, pixels, filters, states[0], s);
                transpose(cPixels, 0, pixels, filters, states[1], s);
            }
            System.arraycopy(states[0], s, out, outOffset + r * outStride, stateSize);
        }
    }

    /** A {@code (filters, rows, cols)} map as {@code (rows, cols, filters)}. */
    private float[] toPixels(float[] map, int offset, float[] buffer) {
        float[] pixels = Buffers.ensure(buffer, stateSize);
        transpose(map, offset, filters, stateSize / filters, pixels, 0);
        return pixels;
    }

    /** {@code to[j * a + i] = from[i * b + j]}: an {@code (a, b)} matrix as {@code (b, a)}. */
    private static void transpose(float[] from, int fromOffset, int a, int b, float[] to, int toOffset) {
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < b; j++) {
                to[toOffset + j * a + i] = from[fromOffset + i * b + j];
            }
        }
    }
}
