package io.flinkrnn.sql;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.operators.internal.model.ModelLoader;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.table.annotation.ArgumentHint;
import org.apache.flink.table.annotation.ArgumentTrait;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.FunctionHint;
import org.apache.flink.table.annotation.StateHint;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ProcessTableFunction;
import org.apache.flink.types.ColumnList;
import org.apache.flink.types.Row;

/**
 * {@code RNN_INFER}: a Keras recurrent model served on a SQL table, each {@code PARTITION BY} key one
 * row of a Keras {@code stateful=True} batch (docs/SEMANTICS.md section 1), its states in Flink
 * managed state.
 *
 * <pre>{@code
 * SELECT * FROM RNN_INFER(
 *     input => TABLE sensor_events PARTITION BY sensor_id,
 *     model => '/models/sensor.keras',
 *     features => DESCRIPTOR(x0, x1, x2),     -- or DESCRIPTOR(xs) for one ARRAY<FLOAT> column
 *     on_time => DESCRIPTOR(ts),              -- optional: serve each key's rows in event-time order
 *     uid => 'sensor-rnn');
 * }</pre>
 *
 * Output: the partition key, {@code rowtime} (with {@code on_time}), {@code y}, {@code
 * model_version} and {@code error}. Optional arguments: {@code mode} ({@code auto}, {@code stateful},
 * {@code window}), {@code window_size} (N; {@code window} is a SQL keyword), {@code store} and {@code version} (a model store's model
 * named by {@code model}), {@code resets => DESCRIPTOR(col)} (a BOOLEAN column: true resets the key
 * right before the row) and {@code errors} ({@code drop}, the default, or {@code emit}: a bad row
 * gives a row with a null {@code y} and its reason in {@code error}).
 */
@FunctionHint(output = @DataTypeHint("ROW<y ARRAY<FLOAT>, model_version STRING, error STRING>"))
public class RnnInferFunction extends ProcessTableFunction<Row> {

    /** The name the module and the command line register the function under. */
    public static final String NAME = "RNN_INFER";

    private transient Call call;
    private transient Map<ModelRef, ModelLoader.Loaded> restored;
    private transient Counter events;
    private transient Counter outputs;
    private transient Counter rejects;
    private transient Counter modelStateResets;

    /**
     * A call's arguments resolved once: they are literals, the same on every row of one call, and a
     * function instance serves one call.
     */
    private record Call(
            ModelRef ref, ModelLoader.Loaded loaded, RowFeatures features, int resetColumn, boolean emitErrors) {}

    @Override
    public void open(FunctionContext context) {
        MetricGroup group = context.getMetricGroup().addGroup("flinkrnn");
        events = group.counter("events");
        outputs = group.counter("outputs");
        rejects = group.counter("rejects");
        modelStateResets = group.counter("modelStateResets");
        restored = new HashMap<>();
    }

    public void eval(
            Context ctx,
            @StateHint(name = "rnn") KeyMemory memory,
            @ArgumentHint(value = ArgumentTrait.SET_SEMANTIC_TABLE, name = "input") Row input,
            @ArgumentHint(name = "model") String model,
            @ArgumentHint(name = "features") ColumnList features,
            @ArgumentHint(name = "mode", isOptional = true) String mode,
            @ArgumentHint(name = "window_size", isOptional = true) Integer window,
            @ArgumentHint(name = "store", isOptional = true) String store,
            @ArgumentHint(name = "version", isOptional = true) String version,
            @ArgumentHint(name = "resets", isOptional = true) ColumnList resets,
            @ArgumentHint(name = "errors", isOptional = true) String errors) {
        events.inc();
        if (call == null) {
            call = resolve(ctx, new ModelRef(model, store, version, mode, window), features, resets, errors);
        }
        String[] reason = new String[1];
        float[] x = call.features().read(input, call.loaded().model().inputSize(), reason);
        if (x == null) {
            reject(reason[0]);
            return;
        }
        boolean resetFirst = call.resetColumn() >= 0 && RowFeatures.flag(input, call.resetColumn());
        TimeContext<Long> time = ctx.timeContext(Long.class);
        Long t = time.time();
        if (t == null) {
            serve(memory, call.loaded(), x, resetFirst);
            return;
        }
        // Event-time order: the row waits in the key's state until the watermark passes it. Flink
        // 2.2 drops rows at or behind the watermark before eval(), so a row here is never late.
        if (memory.pending == null) {
            memory.pending = new HashMap<>();
        }
        if (memory.pending.containsKey(t)) {
            reject("a row of this key at time " + t + " is already waiting");
            return;
        }
        memory.pending.put(t, new KeyMemory.Pending(x, resetFirst));
        memory.pendingFor = call.ref();
        time.registerOnTime(t);
    }

    public void onTimer(OnTimerContext ctx, KeyMemory memory) {
        long t = ctx.timeContext(Long.class).time();
        KeyMemory.Pending row = memory.pending == null ? null : memory.pending.remove(t);
        if (row == null) {
            return;
        }
        ModelLoader.Loaded loaded = loadedFor(memory.pendingFor);
        if (memory.pending.isEmpty()) {
            memory.pending = null;
            memory.pendingFor = null;
        }
        serve(memory, loaded, row.features, row.reset);
    }

    private Call resolve(Context ctx, ModelRef ref, ColumnList features, ColumnList reset, String errors) {
        ModelLoader.Loaded loaded = ref.load();
        var table = ctx.tableSemanticsFor("input").dataType();
        RowFeatures read = RowFeatures.of(features, table, loaded.model().inputSize());
        int resetColumn = reset == null ? -1 : RowFeatures.booleanColumn(reset, table);
        String policy = errors == null ? "drop" : errors;
        if (!policy.equals("drop") && !policy.equals("emit")) {
            throw new IllegalArgumentException("errors => is 'drop' or 'emit', got '" + errors + "'");
        }
        restored.put(ref, loaded);
        return new Call(ref, loaded, read, resetColumn, policy.equals("emit"));
    }

    /** The model pending rows were buffered for; after a restore a timer may fire before any row. */
    private ModelLoader.Loaded loadedFor(ModelRef ref) {
        return restored.computeIfAbsent(ref, ModelRef::load);
    }

    private void serve(KeyMemory memory, ModelLoader.Loaded loaded, float[] x, boolean resetFirst) {
        InferenceModel model = loaded.model();
        float[] state = memory.state;
        if (state != null && state.length != model.stateLayout().size()) {
            // A savepoint of another model's layout: that state means nothing to this model.
            modelStateResets.inc();
            state = null;
        }
        if (state == null || resetFirst) {
            state = model.newState();
        }
        float[][] out = {new float[model.outputSize()]};
        boolean[] emitted = new boolean[1];
        try {
            model.step(1, new float[][] {x}, new float[][] {state}, out, emitted);
        } catch (IllegalArgumentException e) {
            // A bad token id; the engine left the state as it was.
            reject(e.getMessage());
            return;
        }
        memory.state = state;
        if (emitted[0]) {
            outputs.inc();
            collect(Row.of(boxed(out[0]), loaded.version(), null));
        }
    }

    private void reject(String reason) {
        rejects.inc();
        if (call != null && call.emitErrors()) {
            collect(Row.of(null, call.loaded().version(), reason));
        }
    }

    private static Float[] boxed(float[] y) {
        Float[] b = new Float[y.length];
        for (int i = 0; i < y.length; i++) {
            b[i] = y[i];
        }
        return b;
    }
}
