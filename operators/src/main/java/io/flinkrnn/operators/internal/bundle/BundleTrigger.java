package io.flinkrnn.operators.internal.bundle;

import org.apache.flink.annotation.Internal;

/**
 * Decides <em>when</em> a bundle ends and calls back to end it, as Flink table-runtime's {@code
 * BundleTrigger} does; what a finished bundle becomes is {@link InferenceBundleFunction}'s business.
 */
@Internal
public interface BundleTrigger {

    /** What the trigger calls when the bundle should end: the operator's {@code finishBundle}. */
    @FunctionalInterface
    interface Callback {
        void finishBundle() throws Exception;
    }

    void registerCallback(Callback callback);

    /** Called once per event added to the bundle; may finish the bundle through the callback. */
    void onElement() throws Exception;

    /** Called after the bundle was finished, for whatever reason (full, a barrier, a watermark, ...). */
    void reset();
}
