package io.flinkrnn.operators.internal.bundle;

import org.apache.flink.annotation.Internal;

/** Ends a bundle once it holds {@code maxCount} events. */
@Internal
public final class CountBundleTrigger implements BundleTrigger {

    private static final long serialVersionUID = 1L;

    private final long maxCount;
    private transient long count;

    public CountBundleTrigger(long maxCount) {
        if (maxCount < 1) {
            throw new IllegalArgumentException("a bundle holds at least one event, got maxCount=" + maxCount);
        }
        this.maxCount = maxCount;
    }

    @Override
    public boolean onElement() {
        return ++count >= maxCount;
    }

    @Override
    public void reset() {
        count = 0;
    }
}
