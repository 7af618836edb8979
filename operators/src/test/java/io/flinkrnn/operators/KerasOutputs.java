package io.flinkrnn.operators;

import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.KerasExpectations;
import java.util.List;

/** Fixture rows as operator events, and operator predictions as the rows {@link KerasExpectations} checks. */
final class KerasOutputs {

    private KerasOutputs() {}

    static List<RnnEvent> events(List<CsvRow> rows) {
        return rows.stream().map(r -> new RnnEvent(r.key(), r.t(), r.values())).toList();
    }

    /** Asserts the predictions, as emitted, equal Keras's rows key by key ({@link KerasExpectations#assertMatches}). */
    static void assertMatches(List<Prediction> predictions, List<CsvRow> expected) {
        KerasExpectations.assertMatches(
                predictions.stream()
                        .map(p -> new CsvRow(p.key(), p.timestamp(), p.outputs()))
                        .toList(),
                expected);
    }
}
