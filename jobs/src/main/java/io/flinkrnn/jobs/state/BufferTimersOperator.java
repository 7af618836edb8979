package io.flinkrnn.jobs.state;

import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.internal.RnnInferenceOperator;
import org.apache.flink.core.fs.Path;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.state.api.SavepointWriterOperatorFactory;
import org.apache.flink.state.api.output.operators.KeyedStateBootstrapOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Flink's keyed bootstrap operator, plus the flink-rnn operator's own timer service: a bootstrap
 * function's timers go to a service of Flink's naming, which the restored operator never reads.
 * For each buffered timestamp of a key this registers the event-time timer the operator set when
 * it buffered the event, so the restored job serves the events once the watermark passes them.
 */
final class BufferTimersOperator extends KeyedStateBootstrapOperator<String, SavedKey> {

    private static final long serialVersionUID = 1L;

    /** The checkpoint id a {@code SavepointWriter} gives the operators of a new savepoint. */
    private static final long CHECKPOINT_ID = 0L;

    private transient InternalTimerService<VoidNamespace> timers;

    private BufferTimersOperator(long timestamp, Path savepoint, SavedKeyWriter writer) {
        super(CHECKPOINT_ID, timestamp, savepoint, writer);
    }

    static SavepointWriterOperatorFactory factory(SavedKeyWriter writer) {
        return (timestamp, savepoint) ->
                SimpleOperatorFactory.of(new BufferTimersOperator(timestamp, savepoint, writer));
    }

    @Override
    public void open() throws Exception {
        super.open();
        timers = getInternalTimerService(
                RnnInferenceOperator.TIMERS_NAME, VoidNamespaceSerializer.INSTANCE, new NeverFired());
    }

    @Override
    public void processElement(StreamRecord<SavedKey> record) throws Exception {
        super.processElement(record);
        for (RnnEvent event : record.getValue().buffered()) {
            timers.registerEventTimeTimer(VoidNamespace.INSTANCE, event.timestamp());
        }
    }

    /** Writing a savepoint moves no time: the timers are only stored. */
    private static final class NeverFired implements Triggerable<String, VoidNamespace> {
        @Override
        public void onEventTime(InternalTimer<String, VoidNamespace> timer) {}

        @Override
        public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {}
    }
}
