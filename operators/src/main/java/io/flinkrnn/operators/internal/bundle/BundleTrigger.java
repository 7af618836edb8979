package io.flinkrnn.operators.internal.bundle;

import java.io.Serializable;
import org.apache.flink.annotation.Internal;

/**
 * Decides <em>when</em> a bundle ends, as Flink table-runtime's {@code BundleTrigger} does; what
 * happens to a finished bundle is the {@code BundleFunction}'s business.
 */
@Internal
public interface BundleTrigger extends Serializable {

    /** Called once per buffered event; true when the bundle should be finished now. */
    boolean onElement();

    /** Called after the bundle was finished, for whatever reason. */
    void reset();
}
