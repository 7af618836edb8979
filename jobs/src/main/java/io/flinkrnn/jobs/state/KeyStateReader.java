package io.flinkrnn.jobs.state;

import io.flinkrnn.operators.internal.RnnInferenceOperator;
import io.flinkrnn.operators.state.KeyState;
import io.flinkrnn.operators.state.KeyStateSerializer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.util.Collector;

/** Reads each key's {@link KeyState} through the operator's own state name and serializer. */
final class KeyStateReader extends KeyedStateReaderFunction<String, RnnKeyState> {

    private static final long serialVersionUID = 1L;

    private transient ValueState<KeyState> state;

    @Override
    public void open(OpenContext context) {
        state = getRuntimeContext()
                .getState(new ValueStateDescriptor<>(RnnInferenceOperator.STATE_NAME, KeyStateSerializer.INSTANCE));
    }

    @Override
    public void readKey(String key, Context context, Collector<RnnKeyState> out) throws Exception {
        KeyState value = state.value();
        if (value != null) {
            out.collect(RnnKeyState.of(key, value));
        }
    }
}
