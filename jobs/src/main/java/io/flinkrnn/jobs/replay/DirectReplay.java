package io.flinkrnn.jobs.replay;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.operators.RnnEvent;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code replay --engine direct}: the engine in-process. Events are gathered into batches of
 * distinct keys in file order, which is what the Flink operator's bundles do, and each key's state
 * lives in a map between its events.
 */
final class DirectReplay {

    private final InferenceModel model;
    private final PredictionCsv out;
    private final int maxRows;
    private final Map<String, float[]> states = new HashMap<>();
    private final Set<String> batchKeys = new HashSet<>();
    private final RnnEvent[] batch;
    private final float[][] inputs;
    private final float[][] rowStates;
    private final float[][] outputs;
    private final boolean[] emitted;
    private int rows;
    private long written;

    DirectReplay(InferenceModel model, PredictionCsv out, int maxRows) {
        this.model = model;
        this.out = out;
        this.maxRows = maxRows;
        batch = new RnnEvent[maxRows];
        inputs = new float[maxRows][];
        rowStates = new float[maxRows][];
        outputs = new float[maxRows][model.outputSize()];
        emitted = new boolean[maxRows];
    }

    void accept(RnnEvent event) {
        if (rows == maxRows || batchKeys.contains(event.key())) {
            flush();
        }
        batch[rows] = event;
        inputs[rows] = event.features();
        rowStates[rows] = states.computeIfAbsent(event.key(), k -> model.newState());
        batchKeys.add(event.key());
        rows++;
    }

    void flush() {
        if (rows == 0) {
            return;
        }
        model.step(rows, inputs, rowStates, outputs, emitted);
        for (int r = 0; r < rows; r++) {
            if (emitted[r]) {
                out.write(batch[r].key(), batch[r].timestamp(), outputs[r]);
                written++;
            }
        }
        batchKeys.clear();
        rows = 0;
    }

    long written() {
        return written;
    }
}
