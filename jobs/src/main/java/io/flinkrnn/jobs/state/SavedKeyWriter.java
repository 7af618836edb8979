package io.flinkrnn.jobs.state;

import io.flinkrnn.operators.OperatorFacts;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.RnnOptions.StatePrecision;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;

/**
 * Writes each key as {@code state edit} keeps it: its state, if any, and its buffered events under
 * the operator's event-time buffer; {@link BufferTimersOperator} registers their timers.
 */
final class SavedKeyWriter extends FactsWritingFunction<SavedKey> {

    private static final long serialVersionUID = 1L;

    private final boolean eventTimeBuffer;
    private transient MapState<Long, List<RnnEvent>> buffer;

    /** @param precision the edited savepoint's, which the copy keeps */
    SavedKeyWriter(OperatorFacts facts, boolean eventTimeBuffer, StatePrecision precision) {
        super(facts, precision);
        this.eventTimeBuffer = eventTimeBuffer;
    }

    @Override
    public void open(OpenContext context) throws Exception {
        super.open(context);
        if (eventTimeBuffer) {
            buffer = getRuntimeContext().getMapState(SavedKeyReader.bufferDescriptor());
        }
    }

    @Override
    public void processElement(SavedKey key, Context context) throws Exception {
        if (key.state() != null) {
            keyState.update(key.state().toKeyState());
        }
        for (RnnEvent event : key.buffered()) {
            List<RnnEvent> sameTime = buffer.get(event.timestamp());
            if (sameTime == null) {
                sameTime = new ArrayList<>(1);
            }
            sameTime.add(event);
            buffer.put(event.timestamp(), sameTime);
        }
    }
}
