package io.flinkrnn.operators;

/**
 * What every subtask checkpoints in union operator state, so that after a restore (at any
 * parallelism) all subtasks agree on the newest: the reset-all epoch, and the model version with
 * the swap request count that chose it.
 */
public record OperatorFacts(int epoch, long generation, String version) {

    /** The newest epoch, and the version chosen by the most swap requests; empty facts on a fresh start. */
    static OperatorFacts newest(Iterable<OperatorFacts> all) {
        int epoch = 0;
        OperatorFacts chosen = null;
        for (OperatorFacts f : all) {
            epoch = Math.max(epoch, f.epoch());
            if (chosen == null || f.generation() > chosen.generation()) {
                chosen = f;
            }
        }
        return chosen == null
                ? new OperatorFacts(0, 0, null)
                : new OperatorFacts(epoch, chosen.generation(), chosen.version());
    }
}
