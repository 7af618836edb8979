package io.flinkrnn.operators;

import io.flinkrnn.model.fixtures.CsvRow;
import java.util.ArrayList;
import java.util.List;

/**
 * A fixture's keys many times over: copy {@code c} of key {@code k} is the key {@code c<c>/<k>},
 * with exactly the events, and so exactly the Keras outputs, of {@code k}. Copies fill a cluster's
 * subtasks with keys whose expected numbers still come from Keras.
 */
final class KeyCopies {

    private KeyCopies() {}

    static String key(int copy, String key) {
        return "c" + copy + "/" + key;
    }

    /** Rows {@code [from, to)}, each as {@code copies} keys, copy after copy per row. */
    static List<CsvRow> rows(List<CsvRow> rows, int from, int to, int copies) {
        List<CsvRow> out = new ArrayList<>();
        for (CsvRow row : rows.subList(from, to)) {
            for (int c = 0; c < copies; c++) {
                out.add(new CsvRow(key(c, row.key()), row.t(), row.values()));
            }
        }
        return out;
    }

    static List<RnnEvent> events(List<CsvRow> rows, int from, int to, int copies) {
        return KerasOutputs.events(rows(rows, from, to, copies));
    }
}
