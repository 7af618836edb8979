package io.flinkrnn.bench;

import io.flinkrnn.operators.Prediction;
import io.flinkrnn.operators.RnnEvent;
import java.util.Random;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The state goal's baseline, a naive keyed job: read a float[] state of the operator's size, touch
 * it, write it back, emit one float. {@link Async} does the same through Flink 2's asynchronous
 * state API (State V2), which needs {@code KeyedStream#enableAsyncState()}.
 */
final class NaiveState extends KeyedProcessFunction<String, RnnEvent, Prediction> {
    static final String NAME = "naive-state";
    private final int floats;
    private transient ValueState<float[]> state;

    NaiveState(int floats) {
        this.floats = floats;
    }

    @Override
    public void open(OpenContext context) {
        state = getRuntimeContext()
                .getState(new ValueStateDescriptor<>(NAME, PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    @Override
    public void processElement(RnnEvent e, Context ctx, Collector<Prediction> out) throws Exception {
        float[] v = touch(state.value(), floats, e.key(), e.features()[0]);
        state.update(v);
        out.collect(prediction(e.key(), e.timestamp(), v));
    }

    /** {@code v} (or a new state for {@code key}) with {@code feature} added to its first float. */
    static float[] touch(float[] v, int floats, String key, float feature) {
        if (v == null) {
            // Real states are dense floats, not zeros: fill it so RocksDB cannot compress it away.
            v = new float[floats];
            Random random = new Random(key.hashCode());
            for (int i = 0; i < floats; i++) {
                v[i] = (float) random.nextGaussian();
            }
        }
        v[0] += feature;
        return v;
    }

    static Prediction prediction(String key, long timestamp, float[] v) {
        return new Prediction(key, timestamp, new float[] {v[0]}, "naive", null);
    }

    /**
     * The same job on State V2: the read returns a future and the rest runs when it completes, so the
     * task thread takes the next records while ForSt's I/O threads fetch this one's state. Flink
     * keeps each key's records in order.
     */
    static final class Async extends KeyedProcessFunction<String, RnnEvent, Prediction> {
        private final int floats;
        private transient org.apache.flink.api.common.state.v2.ValueState<float[]> state;

        Async(int floats) {
            this.floats = floats;
        }

        @Override
        public void open(OpenContext context) {
            state = getRuntimeContext()
                    .getState(new org.apache.flink.api.common.state.v2.ValueStateDescriptor<>(
                            NAME, PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
        }

        @Override
        public void processElement(RnnEvent e, Context ctx, Collector<Prediction> out) {
            // The callback runs later: it keeps what it needs of the event, not the event.
            String key = e.key();
            long timestamp = e.timestamp();
            float feature = e.features()[0];
            state.asyncValue().thenAccept(value -> {
                float[] v = touch(value, floats, key, feature);
                state.asyncUpdate(v);
                out.collect(prediction(key, timestamp, v));
            });
        }
    }
}
