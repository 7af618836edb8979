package io.flinkrnn.jobs.state;

import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;

/** A user's filter of keys that counts what it kept and dropped in the job's accumulators. */
final class CountingFilter extends RichFilterFunction<RnnKeyState> {

    private static final long serialVersionUID = 1L;

    static final String KEPT = "flink-rnn-kept-keys";
    static final String DROPPED = "flink-rnn-dropped-keys";

    private final FilterFunction<RnnKeyState> keep;
    private final LongCounter kept = new LongCounter();
    private final LongCounter dropped = new LongCounter();

    CountingFilter(FilterFunction<RnnKeyState> keep) {
        this.keep = keep;
    }

    @Override
    public void open(OpenContext context) {
        getRuntimeContext().addAccumulator(KEPT, kept);
        getRuntimeContext().addAccumulator(DROPPED, dropped);
    }

    @Override
    public boolean filter(RnnKeyState key) throws Exception {
        boolean keeps = keep.filter(key);
        (keeps ? kept : dropped).add(1L);
        return keeps;
    }
}
