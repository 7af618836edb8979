package io.flinkrnn.operators;

/**
 * What every subtask checkpoints in union operator state, so that after a restore (at any
 * parallelism) all subtasks agree on the newest: the reset-all epoch, and the model version with
 * the swap request count that chose it.
 */
public record OperatorFacts(int epoch, long generation, String version) {

    /** The facts of the newest decision among those every subtask recorded. */
    static OperatorFacts newest(Iterable<OperatorFacts> all) {
        OperatorFacts newest = new OperatorFacts(0, 0, null);
        for (OperatorFacts f : all) {
            int epoch = Math.max(newest.epoch(), f.epoch());
            newest = f.generation() > newest.generation()
                    ? new OperatorFacts(epoch, f.generation(), f.version())
                    : new OperatorFacts(epoch, newest.generation(), newest.version());
        }
        return newest;
    }
}
