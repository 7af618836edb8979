package io.flinkrnn.operators;

import java.io.Serializable;
import org.apache.flink.annotation.Internal;

/**
 * What every subtask checkpoints in union operator state, so that after a restore (at any
 * parallelism) all subtasks agree on the newest: the reset epoch, the model version with the swap
 * request count that chose it, and which model wrote the keys' states.
 *
 * @param layout the {@link io.flinkrnn.operators.internal.model.ModelLayout} of the model serving at the checkpoint; {@code null} in
 *     state of builds before it was recorded
 * <p>Serializable for the savepoint tooling, whose bootstrap functions carry facts to write.
 *
 * @param modelEpoch keys whose state has an older epoch were written by a model whose states the
 *     current one could not carry: they start fresh and count as {@code modelStateResets}
 */
@Internal
public record OperatorFacts(int epoch, long generation, String version, String layout, int modelEpoch)
        implements Serializable {

    /** The newest epoch, and the version chosen by the most swap requests; empty facts on a fresh start. */
    public static OperatorFacts newest(Iterable<OperatorFacts> all) {
        int epoch = 0;
        int modelEpoch = 0;
        OperatorFacts chosen = null;
        for (OperatorFacts f : all) {
            epoch = Math.max(epoch, f.epoch());
            modelEpoch = Math.max(modelEpoch, f.modelEpoch());
            if (chosen == null || f.generation() > chosen.generation()) {
                chosen = f;
            }
        }
        return chosen == null
                ? new OperatorFacts(0, 0, null, null, 0)
                : new OperatorFacts(epoch, chosen.generation(), chosen.version(), chosen.layout(), modelEpoch);
    }
}
