package io.flinkrnn.operators.bundle;

import java.io.Serializable;

/**
 * Decides <em>when</em> a bundle ends, as Flink table-runtime's {@code BundleTrigger} does; what
 * happens to a finished bundle is the {@code BundleFunction}'s business.
 */
public interface BundleTrigger extends Serializable {

    /** Called once per buffered event; true when the bundle should be finished now. */
    boolean onElement();

    /** Called after the bundle was finished, for whatever reason. */
    void reset();
}
