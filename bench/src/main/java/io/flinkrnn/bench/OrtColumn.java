package io.flinkrnn.bench;

import io.flinkrnn.bench.CompareCommand.Peer;

/**
 * ONNX Runtime's cells of one model in {@code compare}: for each batch its graph is opened, fed the
 * engine's events from zero states, checked against the engine's outputs, then timed. A graph that
 * cannot be opened or run (no export, a runtime error, natives that do not load) is a table entry, and the model's later batches
 * are not tried again; different numbers stop the bench, since the rate of a model that computes
 * something else means nothing.
 */
final class OrtColumn {

    /** ORT and the engine run the same float32 LSTM arithmetic: anything beyond rounding is a wrong export. */
    static final double TOLERANCE = 1e-5;

    /** Opens ORT's graph of a model for a number of keys. */
    interface Graph {
        OnnxRuntimePeer open(int batch) throws Exception;
    }

    private final Graph graph;
    private String failure;

    OrtColumn(Graph graph) {
        this.graph = graph;
    }

    /** Why ORT has no rates for this model, or null. */
    String failure() {
        return failure;
    }

    /**
     * {@code steps} fed one by one, the outputs checked where {@code expected} has the engine's
     * (null entries are skipped), then events/s on {@code timed}.
     */
    Peer measure(int b, float[][][] steps, float[][][] expected, float[][] timed, double warm, double time) {
        if (failure != null) {
            return Peer.failed();
        }
        float[][] outputs = new float[b][expected[expected.length - 1][0].length];
        double diff = 0;
        try (OnnxRuntimePeer peer = graph.open(b)) {
            for (int t = 0; t < steps.length; t++) {
                peer.step(steps[t], outputs);
                if (expected[t] != null) {
                    diff = Math.max(diff, CompareCommand.maxDiff(expected[t], outputs));
                }
            }
            if (diff <= TOLERANCE) {
                double events = Rate.eventsPerSecond(() -> peer.step(timed, outputs), b, warm, time);
                return new Peer(String.format("%,.0f", events), events, diff);
            }
        } catch (Exception | LinkageError e) {
            failure = Dl4j.message(e);
            return Peer.failed();
        }
        throw new IllegalStateException(String.format(
                "ONNX Runtime's outputs differ from the engine's by %.3g (more than %.0e) at batch %d:"
                        + " the ONNX export is not the Keras model; re-run bench/models/export_onnx.py",
                diff, TOLERANCE, b));
    }
}
