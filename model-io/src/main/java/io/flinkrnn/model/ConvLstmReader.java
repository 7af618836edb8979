package io.flinkrnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.model.spec.Activation;
import io.flinkrnn.model.spec.ConvLstm2dCellSpec;
import io.flinkrnn.model.spec.ConvLstm2dCellSpec.DataFormat;
import io.flinkrnn.model.spec.ConvLstm2dCellSpec.Padding;
import io.flinkrnn.model.spec.Shape;
import io.flinkrnn.model.spec.Size2d;
import io.flinkrnn.model.spec.Tensor;

/**
 * {@code ConvLSTM2D}: the cell's options sit on the layer, as for {@code LSTM}. The input is a
 * sequence of frames, {@code (rows, cols, channels)} or {@code (channels, rows, cols)} per step by
 * {@code data_format}; the kernels are {@code (kh, kw, channels, 4 * filters)} whatever the format.
 */
final class ConvLstmReader {

    private ConvLstmReader() {}

    static ConvLstm2dCellSpec read(LayerConfig c, Shape input, WeightCursor w) {
        DataFormat format = dataFormat(c);
        int[] f = input.features();
        if (!input.sequence() || f.length != 3) {
            throw c.fail("needs a sequence of frames (time, rows, cols, channels), got " + input);
        }
        boolean last = format == DataFormat.CHANNELS_LAST;
        Size2d frame = last ? new Size2d(f[0], f[1]) : new Size2d(f[1], f[2]);
        int channels = last ? f[2] : f[0];
        int filters = c.requireInt("filters");
        Size2d kernelSize = pair(c, "kernel_size", null);
        Size2d strides = pair(c, "strides", new Size2d(1, 1));
        Size2d dilation = pair(c, "dilation_rate", new Size2d(1, 1));
        if ((strides.rows() > 1 || strides.cols() > 1) && (dilation.rows() > 1 || dilation.cols() > 1)) {
            // TensorFlow's convolution refuses the combination, so no Keras model can hold it.
            throw c.fail("strides " + strides + " with dilation_rate " + dilation + " is not a valid convolution");
        }
        int k = kernelSize.rows();
        int kw = kernelSize.cols();
        Tensor kernel = w.next("kernel", k, kw, channels, 4 * filters);
        Tensor recurrent = w.next("recurrent_kernel", k, kw, filters, 4 * filters);
        Tensor bias = c.bool("use_bias", true) ? w.next("bias", 4 * filters) : null;
        ConvLstm2dCellSpec spec = new ConvLstm2dCellSpec(
                filters,
                kernelSize,
                strides,
                padding(c),
                dilation,
                format,
                frame,
                channels,
                ActivationReader.field(c, "activation", Activation.TANH),
                ActivationReader.field(c, "recurrent_activation", Activation.SIGMOID),
                kernel,
                recurrent,
                bias);
        if (!spec.producesOutput()) {
            throw c.fail("its " + kernelSize + " kernel with strides " + strides + " and dilation_rate " + dilation
                    + " leaves no output of the " + frame + " frame");
        }
        return spec;
    }

    private static DataFormat dataFormat(LayerConfig c) {
        JsonNode n = c.get("data_format");
        if (n == null) {
            return DataFormat.CHANNELS_LAST; // Keras's image_data_format() default
        }
        return switch (n.asText()) {
            case "channels_last" -> DataFormat.CHANNELS_LAST;
            case "channels_first" -> DataFormat.CHANNELS_FIRST;
            default -> throw c.fail("data_format '" + n.asText() + "' is not channels_last or channels_first");
        };
    }

    private static Padding padding(LayerConfig c) {
        JsonNode n = c.get("padding");
        String p = n == null ? "valid" : n.asText().toLowerCase(java.util.Locale.ROOT);
        return switch (p) {
            case "valid" -> Padding.VALID;
            case "same" -> Padding.SAME;
            default -> throw c.fail("padding '" + p + "' is not supported (valid or same)");
        };
    }

    /** Keras writes a 2-tuple; a single integer means the same value on both axes. */
    private static Size2d pair(LayerConfig c, String field, Size2d fallback) {
        JsonNode n = fallback == null ? c.require(field) : c.get(field);
        if (n == null) {
            return fallback;
        }
        if (n.isInt() && n.asInt() > 0) {
            return new Size2d(n.asInt(), n.asInt());
        }
        if (n.isArray()
                && n.size() == 2
                && n.get(0).isInt()
                && n.get(1).isInt()
                && n.get(0).asInt() > 0
                && n.get(1).asInt() > 0) {
            return new Size2d(n.get(0).asInt(), n.get(1).asInt());
        }
        throw c.fail("config field '" + field + "' is " + n + ", expected two positive integers");
    }
}
