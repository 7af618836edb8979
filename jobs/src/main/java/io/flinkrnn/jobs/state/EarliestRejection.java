package io.flinkrnn.jobs.state;

import org.apache.flink.api.common.accumulators.Accumulator;
import org.apache.flink.api.common.accumulators.SimpleAccumulator;

/**
 * The history row rejected first in the file, of those each subtask's buckets rejected: the one a
 * user is shown, whichever subtask found it.
 */
final class EarliestRejection implements SimpleAccumulator<HistoryBuckets.Rejection> {

    private static final long serialVersionUID = 1L;

    private HistoryBuckets.Rejection earliest = HistoryBuckets.Rejection.NONE;

    @Override
    public void add(HistoryBuckets.Rejection rejection) {
        earliest = earliest.earlier(rejection);
    }

    @Override
    public HistoryBuckets.Rejection getLocalValue() {
        return earliest;
    }

    @Override
    public void resetLocal() {
        earliest = HistoryBuckets.Rejection.NONE;
    }

    @Override
    public void merge(Accumulator<HistoryBuckets.Rejection, HistoryBuckets.Rejection> other) {
        add(other.getLocalValue());
    }

    @Override
    public EarliestRejection clone() {
        EarliestRejection copy = new EarliestRejection();
        copy.earliest = earliest;
        return copy;
    }
}
