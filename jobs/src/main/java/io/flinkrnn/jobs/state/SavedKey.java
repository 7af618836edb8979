package io.flinkrnn.jobs.state;

import io.flinkrnn.operators.RnnEvent;

/**
 * A key as a savepoint holds it: its state, and its events waiting in the event-time buffer for
 * the watermark (docs/SEMANTICS.md section 5), in timestamp order.
 *
 * @param state the key's state, or {@code null} when none of its events has been served yet
 * @param buffered the buffered events; empty without event time
 */
public record SavedKey(String key, RnnKeyState state, RnnEvent[] buffered) {

    /** The key without its state: what a reset leaves, its buffered events still to be served. */
    SavedKey reset() {
        return new SavedKey(key, null, buffered);
    }

    boolean isEmpty() {
        return state == null && buffered.length == 0;
    }
}
