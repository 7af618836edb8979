package io.flinkrnn.jobs.state;

import io.flinkrnn.operators.state.KeyState;

/**
 * One key's state as a savepoint holds it: the engine's flat values (laid out by the model's
 * {@code StateLayout}; {@link KerasStates} names the recurrent ones), the timestamp of the key's
 * last served event, and its reset epoch.
 *
 * @param epoch a key whose epoch is older than the operator's ({@link
 *     io.flinkrnn.operators.OperatorFacts#epoch()}) was reset by a reset-all or a model change after
 *     its last event and starts fresh on its next one
 */
public record RnnKeyState(String key, long lastTimestamp, int epoch, float[] values) {

    static RnnKeyState of(String key, KeyState state) {
        return new RnnKeyState(key, state.lastTimestamp, state.epoch, state.values);
    }

    /** The state as the operator holds it. */
    public KeyState toKeyState() {
        return new KeyState(values, lastTimestamp, epoch);
    }
}
