package io.flinkrnn.engine;

import io.flinkrnn.model.fixtures.CsvRow;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs fixture events through a model the way an operator would: events in the file's interleaved
 * order, batched greedily (at most {@link #MAX_ROWS} rows, never two events of one key in a batch),
 * resets applied right before the named event.
 */
final class Replay {

    static final int MAX_ROWS = 64;

    /** Outputs as the engine emitted them, and the final state of every key. */
    record Result(List<CsvRow> outputs, Map<String, float[]> states) {}

    private final InferenceModel model;
    private final Map<String, float[]> states = new LinkedHashMap<>();
    private final List<CsvRow> outputs = new ArrayList<>();
    private final List<CsvRow> pending = new ArrayList<>();
    private final Set<String> pendingKeys = new HashSet<>();
    private final float[][] events = new float[MAX_ROWS][];
    private final float[][] rowStates = new float[MAX_ROWS][];
    private final float[][] rowOutputs;
    private final boolean[] emitted = new boolean[MAX_ROWS];

    private Replay(InferenceModel model) {
        this.model = model;
        this.rowOutputs = new float[MAX_ROWS][model.outputSize()];
    }

    static Result run(InferenceModel model, List<CsvRow> events, List<CsvRow> resets) {
        Set<String> resetAt = new HashSet<>();
        resets.forEach(r -> resetAt.add(r.key() + "," + r.t()));
        Replay replay = new Replay(model);
        for (CsvRow event : events) {
            if (replay.pending.size() == MAX_ROWS || replay.pendingKeys.contains(event.key())) {
                replay.flush();
            }
            float[] state = replay.states.computeIfAbsent(event.key(), k -> model.newState());
            if (resetAt.contains(event.key() + "," + event.t())) {
                model.reset(state);
            }
            replay.pending.add(event);
            replay.pendingKeys.add(event.key());
        }
        replay.flush();
        return new Result(replay.outputs, replay.states);
    }

    private void flush() {
        int rows = pending.size();
        for (int r = 0; r < rows; r++) {
            events[r] = pending.get(r).values();
            rowStates[r] = states.get(pending.get(r).key());
        }
        model.step(rows, events, rowStates, rowOutputs, emitted);
        for (int r = 0; r < rows; r++) {
            if (emitted[r]) {
                CsvRow event = pending.get(r);
                outputs.add(new CsvRow(event.key(), event.t(), rowOutputs[r].clone()));
            }
        }
        pending.clear();
        pendingKeys.clear();
    }
}
