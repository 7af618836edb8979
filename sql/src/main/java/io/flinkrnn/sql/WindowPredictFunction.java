package io.flinkrnn.sql;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.engine.StateLayout;
import java.util.Collection;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.PredictFunction;

/**
 * One {@code model.predict(window)} per row. A bad window (null, another length than N, an event of
 * another width, a null, NaN or infinite number) gives no output row and is counted in the {@code
 * flinkrnn.rejects} metric.
 */
public final class WindowPredictFunction extends PredictFunction {

    private final ModelRef ref;
    private final int window;
    private final boolean doubles;

    private transient InferenceModel model;
    private transient Counter events;
    private transient Counter rejects;

    WindowPredictFunction(ModelRef ref, int window, boolean doubles) {
        this.ref = ref;
        this.window = window;
        this.doubles = doubles;
    }

    @Override
    public void open(FunctionContext context) {
        model = ref.load().model();
        MetricGroup group = context.getMetricGroup().addGroup("flinkrnn");
        events = group.counter("events");
        rejects = group.counter("rejects");
    }

    @Override
    public Collection<RowData> predict(RowData input) {
        events.inc();
        float[][] steps = read(input.isNullAt(0) ? null : input.getArray(0));
        if (steps == null) {
            rejects.inc();
            return List.of();
        }
        // A key state that holds the window's first N-1 events as the ones seen before (StateLayout:
        // the window slots oldest first, then the count of events seen; slot 0 is the one a step
        // shifts out), so that one step with the last event runs the model over exactly this
        // window from zero recurrent state: model.predict(window).
        StateLayout layout = model.stateLayout();
        float[] state = model.newState();
        int width = model.inputSize();
        for (int t = 0; t < window - 1; t++) {
            System.arraycopy(steps[t], 0, state, layout.windowOffset() + (t + 1) * width, width);
        }
        state[layout.seenOffset()] = window - 1;
        float[][] out = {new float[model.outputSize()]};
        model.step(1, new float[][] {steps[window - 1]}, new float[][] {state}, out, new boolean[1]);
        return List.of(GenericRowData.of(new GenericArrayData(out[0])));
    }

    /** The window's events, or {@code null} for a bad window. */
    private float[][] read(ArrayData rows) {
        int width = model.inputSize();
        if (rows == null || rows.size() != window) {
            return null;
        }
        float[][] steps = new float[window][width];
        for (int t = 0; t < window; t++) {
            ArrayData event = rows.isNullAt(t) ? null : rows.getArray(t);
            if (event == null || event.size() != width) {
                return null;
            }
            for (int i = 0; i < width; i++) {
                float v = event.isNullAt(i) ? Float.NaN : doubles ? (float) event.getDouble(i) : event.getFloat(i);
                if (!Float.isFinite(v)) {
                    return null;
                }
                steps[t][i] = v;
            }
        }
        return steps;
    }
}
