package io.flinkrnn.operators.internal.bundle;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.apache.flink.annotation.Internal;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;

/**
 * Ends a bundle when it holds {@code maxCount} events, or when {@code maxDelay} of processing time
 * has passed since its first event, whichever comes first; a zero delay waits for the count.
 *
 * <p>The delay timer belongs to the bundle that set it: a bundle that ended full leaves its timer
 * behind, and that timer must not cut the next bundle short, so each timer carries its bundle's
 * number and does nothing once that bundle is gone.
 *
 * <p>While {@code holdBack} says so (a new model version is loading), a full bundle keeps gathering,
 * up to {@link #HOLD_BACK_LIMIT} times the count, rather than wait for the load in the middle of the
 * stream: the events after a swap request are the new version's to serve.
 */
@Internal
public final class CountOrDelayBundleTrigger implements BundleTrigger {

    /** How many full bundles' worth of events may gather while {@code holdBack} holds. */
    static final int HOLD_BACK_LIMIT = 4;

    private final long maxCount;
    private final long maxDelayMillis;
    private final ProcessingTimeService time;
    private final BooleanSupplier holdBack;

    private Callback callback;
    private long count;
    /** Counts finished bundles, so that a timer knows whether its bundle is still open. */
    private long bundle;
    /** The bundle whose delay timer is set, or -1. */
    private long timedBundle = -1;

    public CountOrDelayBundleTrigger(
            long maxCount, Duration maxDelay, ProcessingTimeService time, BooleanSupplier holdBack) {
        if (maxCount < 1) {
            throw new IllegalArgumentException("a bundle holds at least one event, got maxCount=" + maxCount);
        }
        this.maxCount = maxCount;
        this.maxDelayMillis = maxDelay.toMillis();
        this.time = time;
        this.holdBack = holdBack;
    }

    @Override
    public void registerCallback(Callback finish) {
        this.callback = finish;
    }

    @Override
    public void onElement() throws Exception {
        count++;
        if (count >= maxCount && (!holdBack.getAsBoolean() || count >= HOLD_BACK_LIMIT * maxCount)) {
            callback.finishBundle();
        } else if (timedBundle != bundle && maxDelayMillis > 0) {
            long owner = bundle;
            timedBundle = owner;
            time.registerTimer(time.getCurrentProcessingTime() + maxDelayMillis, now -> {
                if (bundle == owner) {
                    callback.finishBundle();
                }
            });
        }
    }

    @Override
    public void reset() {
        count = 0;
        bundle++;
    }
}
