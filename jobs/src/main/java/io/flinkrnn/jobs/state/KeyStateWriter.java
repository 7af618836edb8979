package io.flinkrnn.jobs.state;

import io.flinkrnn.operators.OperatorFacts;

/** Writes each key's state as it was read from a savepoint: the kept keys of {@code state edit}. */
final class KeyStateWriter extends FactsWritingFunction<RnnKeyState> {

    private static final long serialVersionUID = 1L;

    KeyStateWriter(OperatorFacts facts) {
        super(facts);
    }

    @Override
    public void processElement(RnnKeyState state, Context context) throws Exception {
        keyState.update(state.toKeyState());
    }
}
