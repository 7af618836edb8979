package io.flinkrnn.jobs.state;

import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.util.Collector;

/** Applies a {@link KeyEdit} to each key and counts the outcomes in the job's accumulators. */
final class CountingEdit extends RichFlatMapFunction<SavedKey, SavedKey> {

    private static final long serialVersionUID = 1L;

    static final String KEPT = "flink-rnn-kept-keys";
    static final String DROPPED = "flink-rnn-dropped-keys";
    static final String RESET = "flink-rnn-reset-keys";

    private final KeyEdit edit;
    private final LongCounter kept = new LongCounter();
    private final LongCounter dropped = new LongCounter();
    private final LongCounter reset = new LongCounter();

    CountingEdit(KeyEdit edit) {
        this.edit = edit;
    }

    @Override
    public void open(OpenContext context) {
        getRuntimeContext().addAccumulator(KEPT, kept);
        getRuntimeContext().addAccumulator(DROPPED, dropped);
        getRuntimeContext().addAccumulator(RESET, reset);
    }

    @Override
    public void flatMap(SavedKey key, Collector<SavedKey> out) throws Exception {
        switch (edit.of(key)) {
            case KEEP -> {
                kept.add(1L);
                out.collect(key);
            }
            case DROP -> dropped.add(1L);
            case RESET -> {
                reset.add(1L);
                if (key.buffered().length > 0) {
                    out.collect(key.reset());
                }
            }
        }
    }
}
