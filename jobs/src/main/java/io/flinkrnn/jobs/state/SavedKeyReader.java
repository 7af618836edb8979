package io.flinkrnn.jobs.state;

import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.internal.RnnInferenceOperator;
import io.flinkrnn.operators.state.KeyState;
import io.flinkrnn.operators.state.KeyStateSerializer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.util.Collector;

/**
 * Reads each key's {@link KeyState} and, when the savepoint has an event-time buffer, the key's
 * buffered events, through the operator's own state names and serializers. A key is read when it
 * has either: one whose events all wait in the buffer has no state yet.
 */
final class SavedKeyReader extends KeyedStateReaderFunction<String, SavedKey> {

    private static final long serialVersionUID = 1L;

    private final boolean eventTimeBuffer;
    private transient ValueState<KeyState> state;
    private transient MapState<Long, List<RnnEvent>> buffer;

    SavedKeyReader(boolean eventTimeBuffer) {
        this.eventTimeBuffer = eventTimeBuffer;
    }

    /** The operator's event-time buffer: events of one key by timestamp. */
    static MapStateDescriptor<Long, List<RnnEvent>> bufferDescriptor() {
        return new MapStateDescriptor<>(
                RnnInferenceOperator.EVENT_TIME_BUFFER_NAME,
                Types.LONG,
                Types.LIST(TypeInformation.of(RnnEvent.class)));
    }

    @Override
    public void open(OpenContext context) {
        state = getRuntimeContext()
                .getState(new ValueStateDescriptor<>(RnnInferenceOperator.STATE_NAME, KeyStateSerializer.INSTANCE));
        if (eventTimeBuffer) {
            buffer = getRuntimeContext().getMapState(bufferDescriptor());
        }
    }

    @Override
    public void readKey(String key, Context context, Collector<SavedKey> out) throws Exception {
        KeyState value = state.value();
        List<RnnEvent> buffered = new ArrayList<>();
        if (buffer != null) {
            TreeMap<Long, List<RnnEvent>> byTime = new TreeMap<>();
            for (Map.Entry<Long, List<RnnEvent>> entry : buffer.entries()) {
                byTime.put(entry.getKey(), entry.getValue());
            }
            byTime.values().forEach(buffered::addAll);
        }
        SavedKey saved =
                new SavedKey(key, value == null ? null : RnnKeyState.of(key, value), buffered.toArray(RnnEvent[]::new));
        if (!saved.isEmpty()) {
            out.collect(saved);
        }
    }
}
