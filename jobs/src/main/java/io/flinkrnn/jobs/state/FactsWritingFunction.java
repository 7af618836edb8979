package io.flinkrnn.jobs.state;

import io.flinkrnn.operators.OperatorFacts;
import io.flinkrnn.operators.RnnOptions.StatePrecision;
import io.flinkrnn.operators.internal.RnnInferenceOperator;
import io.flinkrnn.operators.state.KeyState;
import io.flinkrnn.operators.state.KeyStateSerializer;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
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
 * precision the restoring job stores, so a savepoint of bfloat16 state stays one), and the {@link
 * OperatorFacts} (epoch, model version and layout) in the union state every subtask of the operator
 * reads on restore. Subclasses decide what a key's state is.
 */
abstract class FactsWritingFunction<IN> extends KeyedStateBootstrapFunction<String, IN>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;

    private final OperatorFacts facts;
    private final StatePrecision precision;
    private transient ListState<OperatorFacts> factsState;
    /** The keyed state the operator restores, {@code RnnInferenceOperator.STATE_NAME}. */
    protected transient ValueState<KeyState> keyState;

    FactsWritingFunction(OperatorFacts facts, StatePrecision precision) {
        this.facts = facts;
        this.precision = precision;
    }

    @Override
    public void open(OpenContext context) throws Exception {
        keyState = getRuntimeContext()
                .getState(
                        new ValueStateDescriptor<>(RnnInferenceOperator.STATE_NAME, KeyStateSerializer.of(precision)));
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
}
