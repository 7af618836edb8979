package io.flinkrnn.engine.ops;

import io.flinkrnn.model.spec.ConvLstm2dCellSpec.Padding;
import io.flinkrnn.model.spec.Size2d;
import java.util.Arrays;

/**
 * A 2-D convolution of one frame as a matrix product: the patch under every output pixel becomes
 * one row {@code (kh, kw, channels)} in C order, so that {@code patches · kernel} with Keras's
 * {@code (kh, kw, channels, filters)} kernel read as {@code (kh * kw * channels, filters)} is the
 * convolution, pixels in row-major order. Padding is TensorFlow's: {@code 'same'} puts the odd
 * padded row or column at the end.
 */
public final class Im2col {

    private final int rows;
    private final int cols;
    private final int channels;
    private final int rowStep;
    private final int colStep;
    private final int channelStep;
    private final Size2d kernel;
    private final Size2d strides;
    private final Size2d dilation;
    private final int padTop;
    private final int padLeft;
    private final int outRows;
    private final int outCols;

    /**
     * @param channelsLast whether the flat frame is {@code (rows, cols, channels)} in C order, else
     *     {@code (channels, rows, cols)}
     * @param output the convolution's output size, as {@code ConvLstm2dCellSpec#outputFrame} computes it
     */
    public Im2col(
            Size2d frame,
            int channels,
            boolean channelsLast,
            Size2d kernel,
            Size2d strides,
            Size2d dilation,
            Padding padding,
            Size2d output) {
        this.rows = frame.rows();
        this.cols = frame.cols();
        this.channels = channels;
        this.rowStep = channelsLast ? cols * channels : cols;
        this.colStep = channelsLast ? channels : 1;
        this.channelStep = channelsLast ? 1 : rows * cols;
        this.kernel = kernel;
        this.strides = strides;
        this.dilation = dilation;
        this.outRows = output.rows();
        this.outCols = output.cols();
        boolean same = padding == Padding.SAME;
        this.padTop = same ? padBefore(rows, outRows, kernel.rows(), strides.rows(), dilation.rows()) : 0;
        this.padLeft = same ? padBefore(cols, outCols, kernel.cols(), strides.cols(), dilation.cols()) : 0;
    }

    private static int padBefore(int size, int out, int k, int stride, int dilation) {
        int total = Math.max(0, (out - 1) * stride + (k - 1) * dilation + 1 - size);
        return total / 2;
    }

    /** Output pixels, the rows of the patch matrix. */
    public int pixels() {
        return outRows * outCols;
    }

    /** Floats per patch, the columns of the patch matrix. */
    public int patchSize() {
        return kernel.rows() * kernel.cols() * channels;
    }

    /** Writes the {@code [pixels(), patchSize()]} patches of the frame at {@code frame[offset]}. */
    public void fill(float[] frame, int offset, float[] patches) {
        int p = 0;
        for (int oy = 0; oy < outRows; oy++) {
            for (int ox = 0; ox < outCols; ox++) {
                for (int ky = 0; ky < kernel.rows(); ky++) {
                    int iy = oy * strides.rows() - padTop + ky * dilation.rows();
                    for (int kx = 0; kx < kernel.cols(); kx++) {
                        int ix = ox * strides.cols() - padLeft + kx * dilation.cols();
                        if (iy < 0 || iy >= rows || ix < 0 || ix >= cols) {
                            Arrays.fill(patches, p, p + channels, 0f);
                        } else if (channelStep == 1) {
                            System.arraycopy(frame, offset + iy * rowStep + ix * colStep, patches, p, channels);
                        } else {
                            int at = offset + iy * rowStep + ix * colStep;
                            for (int ch = 0; ch < channels; ch++) {
                                patches[p + ch] = frame[at + ch * channelStep];
                            }
                        }
                        p += channels;
                    }
                }
            }
        }
    }
}
