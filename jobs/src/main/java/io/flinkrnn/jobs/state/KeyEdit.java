package io.flinkrnn.jobs.state;

import java.io.Serializable;

/**
 * What {@link RnnStates#edit} does with one key of a savepoint (README "Recurrent state"):
 * deletion takes all of a key, a reset what the reset control takes.
 */
@FunctionalInterface
public interface KeyEdit extends Serializable {

    /** The outcome for one key. */
    enum Outcome {
        /** The key's state and buffered events stay as they are. */
        KEEP,
        /** The key's state and its buffered events are gone: nothing of the key is left. */
        DROP,
        /**
         * The key's state is gone, as after a reset control; its buffered events stay and are served,
         * from zero state, once the watermark passes them.
         */
        RESET
    }

    Outcome of(SavedKey key) throws Exception;
}
