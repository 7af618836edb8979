package io.flinkrnn.sql;

import org.apache.flink.table.functions.PredictFunction;
import org.apache.flink.table.ml.ModelProvider;
import org.apache.flink.table.ml.PredictRuntimeProvider;

/** What {@link RnnModelProviderFactory} hands the planner: a window-mode model, checked. */
final class WindowModelProvider implements PredictRuntimeProvider {

    private final ModelRef ref;
    private final int window;
    private final boolean doubles;

    WindowModelProvider(ModelRef ref, int window, boolean doubles) {
        this.ref = ref;
        this.window = window;
        this.doubles = doubles;
    }

    @Override
    public PredictFunction createPredictFunction(Context context) {
        return new WindowPredictFunction(ref, window, doubles);
    }

    @Override
    public ModelProvider copy() {
        return new WindowModelProvider(ref, window, doubles);
    }
}
