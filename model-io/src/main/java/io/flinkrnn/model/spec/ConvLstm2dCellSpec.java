package io.flinkrnn.model.spec;

import java.util.List;

/**
 * Keras's {@code ConvLSTM2D} cell: an LSTM whose input and recurrent transforms are 2-D
 * convolutions over a frame. Gates are laid out along the last axis of every weight in Keras's order
 * i, f, c, o: {@code kernel} {@code (kh, kw, in_channels, 4 * filters)}, {@code recurrentKernel}
 * {@code (kh, kw, filters, 4 * filters)}, {@code bias} {@code (4 * filters)} or {@code null}.
 *
 * <p>The input convolution uses {@code strides}, {@code padding} and {@code dilationRate}; the
 * recurrent one is always stride 1, {@code 'same'} padding, no dilation (Keras's {@code
 * recurrent_conv}), so h and c keep the input convolution's output map size. Each state is one
 * {@code filters × outRows × outCols} map, flattened in {@code dataFormat}'s C order.
 *
 * @param frame the input frame's spatial size; the convolutions' output size depends on it
 */
public record ConvLstm2dCellSpec(
        int filters,
        Size2d kernelSize,
        Size2d strides,
        Padding padding,
        Size2d dilationRate,
        DataFormat dataFormat,
        Size2d frame,
        int inputChannels,
        Activation activation,
        Activation recurrentActivation,
        Tensor kernel,
        Tensor recurrentKernel,
        Tensor bias)
        implements CellSpec {

    /** Keras's {@code padding}; {@code 'same'} pads like TensorFlow, the extra row or column at the end. */
    public enum Padding {
        VALID,
        SAME
    }

    /** Keras's {@code data_format}: where the channel axis of a frame is. */
    public enum DataFormat {
        CHANNELS_LAST,
        CHANNELS_FIRST
    }

    /** The spatial size of h and c: the input convolution's output, as Keras's {@code conv_output_length}. */
    public Size2d outputFrame() {
        return new Size2d(
                outputLength(frame.rows(), kernelSize.rows(), strides.rows(), dilationRate.rows()),
                outputLength(frame.cols(), kernelSize.cols(), strides.cols(), dilationRate.cols()));
    }

    /**
     * Whether the input convolution leaves any output; a model file can ask for a kernel, stride or
     * dilation that does not ({@link #outputFrame} then has no valid size).
     */
    public boolean producesOutput() {
        return outputLength(frame.rows(), kernelSize.rows(), strides.rows(), dilationRate.rows()) > 0
                && outputLength(frame.cols(), kernelSize.cols(), strides.cols(), dilationRate.cols()) > 0;
    }

    /** In long arithmetic: a dilation or stride near Integer.MAX_VALUE must not wrap around. */
    private int outputLength(int input, int kernel, int stride, int dilation) {
        long span = (kernel - 1L) * dilation + 1;
        long covered = padding == Padding.SAME ? input : input - span + 1;
        return (int) Math.max(0, (covered + stride - 1) / stride);
    }

    /** A frame's shape in {@code dataFormat}'s order. */
    public int[] frameShape(Size2d size, int channels) {
        return dataFormat == DataFormat.CHANNELS_LAST
                ? new int[] {size.rows(), size.cols(), channels}
                : new int[] {channels, size.rows(), size.cols()};
    }

    public int inputSize() {
        return frame.rows() * frame.cols() * inputChannels;
    }

    @Override
    public int[] outputFeatures() {
        return frameShape(outputFrame(), filters);
    }

    @Override
    public int outputSize() {
        Size2d out = outputFrame();
        return out.rows() * out.cols() * filters;
    }

    @Override
    public List<Integer> stateSizes() {
        return List.of(outputSize(), outputSize());
    }

    @Override
    public long paramCount() {
        return CellSpec.count(kernel, recurrentKernel, bias);
    }

    @Override
    public String cellClassName() {
        return "ConvLSTMCell";
    }
}
