package io.flinkrnn.bench;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime Java on one of the bench models' ONNX exports ({@code bench/models/export_onnx.py}), run
 * the way a Flink user would run it by hand in a keyed operator: one session on 1 intra-op thread, each
 * key's state a Java array of its own (what keyed state hands the operator), copied into the input
 * tensors before every call and back out of the output tensors after it.
 *
 * <ul>
 *   <li><b>Stateful</b> ({@code <model>.step.onnx}): one time step; a key's state is its LSTM states
 *       {@code h1, c1, h2, ...} end to end, fed as the graph's state inputs and read back from {@code
 *       <state>_out}.
 *   <li><b>Window</b> ({@code <model>.window.onnx}): a key's state is its last {@code n} events; each
 *       event shifts it by one and the whole window is fed as {@code x} [batch, n, features].
 * </ul>
 *
 * Every tensor, inputs and outputs, is created once over a direct buffer that the session reads or
 * writes in place ({@code run} with pinned outputs), so a call allocates nothing on the Java side.
 */
final class OnnxRuntimePeer implements AutoCloseable {

    private static final String INPUT = "x";
    private static final String OUTPUT = "y";
    private static final String STATE_OUT = "_out";

    private final OrtSession session;
    private final int batch;
    private final int features;
    private final int outputSize;
    private final boolean window;
    private final FloatBuffer x;
    private final FloatBuffer y;
    private final int yRow;
    private final List<FloatBuffer> stateIn = new ArrayList<>();
    private final List<FloatBuffer> stateOut = new ArrayList<>();
    private final int[] stateWidths;
    private final float[][] keyStates;
    private final Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
    private final Map<String, OnnxTensor> outputs = new LinkedHashMap<>();

    private OnnxRuntimePeer(Path onnx, boolean window, int steps, int batch, int features, int outputSize)
            throws OrtException {
        if (!Files.isRegularFile(onnx)) {
            throw new IllegalArgumentException("no ONNX export " + onnx);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (SessionOptions options = new SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(SessionOptions.OptLevel.ALL_OPT);
            this.session = env.createSession(onnx.toString(), options);
        }
        this.batch = batch;
        this.features = features;
        this.outputSize = outputSize;
        this.window = window;
        this.x = pin(env, inputs, INPUT, new long[] {batch, steps, features});
        long[] yShape = shape(session.getOutputInfo().get(OUTPUT), batch, steps);
        this.y = pin(env, outputs, OUTPUT, yShape);
        this.yRow = (int) (count(yShape) / batch);
        List<Integer> widths = new ArrayList<>();
        for (NodeInfo input : session.getInputInfo().values()) {
            if (input.getName().equals(INPUT)) {
                continue;
            }
            long[] shape = shape(input, batch, steps);
            stateIn.add(pin(env, inputs, input.getName(), shape));
            stateOut.add(pin(env, outputs, input.getName() + STATE_OUT, shape));
            widths.add((int) shape[1]);
        }
        this.stateWidths = widths.stream().mapToInt(Integer::intValue).toArray();
        int stateSize = window
                ? steps * features
                : widths.stream().mapToInt(Integer::intValue).sum();
        this.keyStates = new float[batch][stateSize];
    }

    /** The step graph for {@code batch} keys, every key's LSTM states zero. */
    static OnnxRuntimePeer stateful(Path onnx, int batch, int features, int outputSize) throws OrtException {
        return new OnnxRuntimePeer(onnx, false, 1, batch, features, outputSize);
    }

    /** The window graph over {@code n} steps for {@code batch} keys, every key's window zero. */
    static OnnxRuntimePeer window(Path onnx, int n, int batch, int features, int outputSize) throws OrtException {
        return new OnnxRuntimePeer(onnx, true, n, batch, features, outputSize);
    }

    /** {@code <model>.step.onnx} or {@code <model>.window.onnx} beside {@code <model>.h5}. */
    static Path export(Path h5, String graph) {
        String name = h5.getFileName().toString().replaceFirst("\\.h5$", "");
        return h5.resolveSibling(name + "." + graph + ".onnx");
    }

    /** The runtime's version, or why it does not load (the table then says so in every ORT cell). */
    static String version() {
        try {
            return OrtEnvironment.getEnvironment().getVersion();
        } catch (LinkageError e) {
            return "(does not load: " + Dl4j.message(e) + ")";
        }
    }

    /** One event per key: row r of {@code events} to key r, its output (the last step's) to row r of {@code out}. */
    void step(float[][] events, float[][] out) throws OrtException {
        for (int r = 0; r < batch; r++) {
            float[] state = keyStates[r];
            if (window) {
                System.arraycopy(state, features, state, 0, state.length - features);
                System.arraycopy(events[r], 0, state, state.length - features, features);
                x.put(r * state.length, state, 0, state.length);
            } else {
                x.put(r * features, events[r], 0, features);
                for (int s = 0, at = 0; s < stateWidths.length; at += stateWidths[s], s++) {
                    stateIn.get(s).put(r * stateWidths[s], state, at, stateWidths[s]);
                }
            }
        }
        try (OrtSession.Result ignored = session.run(inputs, outputs)) {
            // The results are the pinned output tensors, read below through their buffers.
        }
        for (int r = 0; r < batch; r++) {
            y.get((r + 1) * yRow - outputSize, out[r], 0, outputSize);
            float[] state = keyStates[r];
            for (int s = 0, at = 0; s < stateWidths.length; at += stateWidths[s], s++) {
                stateOut.get(s).get(r * stateWidths[s], state, at, stateWidths[s]);
            }
        }
    }

    /** A tensor over a direct buffer of its own, registered under {@code name}; the buffer is returned. */
    private static FloatBuffer pin(OrtEnvironment env, Map<String, OnnxTensor> into, String name, long[] shape)
            throws OrtException {
        FloatBuffer buffer = ByteBuffer.allocateDirect(Math.toIntExact(count(shape) * Float.BYTES))
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        into.put(name, OnnxTensor.createTensor(env, buffer, shape));
        return buffer;
    }

    /** A graph value's shape with the batch as its first dimension and {@code steps} for any other free one. */
    private static long[] shape(NodeInfo node, int batch, int steps) {
        if (node == null || !(node.getInfo() instanceof TensorInfo info)) {
            throw new IllegalArgumentException("the ONNX graph has no tensor " + (node == null ? OUTPUT : node));
        }
        long[] shape = info.getShape().clone();
        shape[0] = batch;
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] < 0) {
                shape[i] = steps;
            }
        }
        return shape;
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public void close() throws OrtException {
        for (OnnxTensor tensor : inputs.values()) {
            tensor.close();
        }
        for (OnnxTensor tensor : outputs.values()) {
            tensor.close();
        }
        session.close();
    }
}
