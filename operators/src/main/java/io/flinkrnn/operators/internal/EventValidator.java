package io.flinkrnn.operators.internal;

import io.flinkrnn.operators.RnnEvent;
import org.apache.flink.annotation.Internal;

/** Says why an event cannot be served, before it may touch any state. */
@Internal
public final class EventValidator {

    private EventValidator() {}

    /** The reason to reject {@code event}, or {@code null} when the model can take it. */
    public static String rejectReason(RnnEvent event, int features) {
        if (event == null) {
            return "null event";
        }
        if (event.key() == null || event.key().isEmpty()) {
            return "event has no key";
        }
        float[] x = event.features();
        if (x == null) {
            return "event has no features";
        }
        if (x.length != features) {
            return "expected " + features + " features, got " + x.length;
        }
        for (int i = 0; i < x.length; i++) {
            if (!Float.isFinite(x[i])) {
                return "feature x" + i + " is " + x[i];
            }
        }
        return null;
    }
}
