package io.flinkrnn.jobs.state;

import io.flinkrnn.operators.OperatorFacts;
import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.RnnOptions.StatePrecision;
import io.flinkrnn.operators.internal.RnnInferenceOperator;
import io.flinkrnn.operators.state.KeyState;
import io.flinkrnn.operators.state.KeyStateSerializer;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.state.api.functions.KeyedStateBootstrapFunction;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

/**
 * Writes the flink-rnn operator's state into a new savepoint the way the operator itself would:
 * each key's {@link KeyState} under the operator's state name and serializer (of the values'
 * precision the restoring job stores, so a savepoint of bfloat16 state stays one), its buffered events
 * under the operator's event-time buffer ({@link BufferTimersOperator} registers their timers), and
 * the {@link OperatorFacts} (epoch, model version and layout) in the union state every subtask of
 * the operator reads on restore. {@code state edit} hands it the keys it keeps, {@code state
 * bootstrap} the keys it served, each once.
 */
final class SavedKeyWriter extends KeyedStateBootstrapFunction<String, SavedKey> implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;

    private final OperatorFacts facts;
    private final boolean eventTimeBuffer;
    private final StatePrecision precision;
    private transient ListState<OperatorFacts> factsState;
    /** The keyed state the operator restores, {@code RnnInferenceOperator.STATE_NAME}. */
    private transient ValueState<KeyState> keyState;

    private transient MapState<Long, List<RnnEvent>> buffer;

    /**
     * @param precision what the restoring job stores the keys' values in: the edited savepoint's, which
     *     the copy keeps, or the bootstrapped job's
     */
    SavedKeyWriter(OperatorFacts facts, boolean eventTimeBuffer, StatePrecision precision) {
        this.facts = facts;
        this.eventTimeBuffer = eventTimeBuffer;
        this.precision = precision;
    }

    @Override
    public void open(OpenContext context) throws Exception {
        keyState = getRuntimeContext()
                .getState(
                        new ValueStateDescriptor<>(RnnInferenceOperator.STATE_NAME, KeyStateSerializer.of(precision)));
        if (eventTimeBuffer) {
            buffer = getRuntimeContext().getMapState(SavedKeyReader.bufferDescriptor());
        }
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        factsState = context.getOperatorStateStore()
                .getUnionListState(new ListStateDescriptor<>(
                        RnnInferenceOperator.FACTS_NAME, TypeInformation.of(OperatorFacts.class)));
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        factsState.update(List.of(facts));
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
