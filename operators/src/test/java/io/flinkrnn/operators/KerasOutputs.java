package io.flinkrnn.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.CsvRow;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Compares predictions with what real Keras wrote into a fixture's expected CSV, key by key. */
final class KerasOutputs {

    static final float TOLERANCE = 1e-5f;

    private KerasOutputs() {}

    static List<RnnEvent> events(List<CsvRow> rows) {
        return rows.stream().map(r -> new RnnEvent(r.key(), r.t(), r.values())).toList();
    }

    /** Asserts every key's predictions equal Keras's expected rows, in order, within 1e-5. */
    static void assertMatches(Collection<Prediction> predictions, List<CsvRow> expected) {
        Map<String, List<Prediction>> byKey = new LinkedHashMap<>();
        predictions.forEach(
                p -> byKey.computeIfAbsent(p.key(), k -> new ArrayList<>()).add(p));
        Map<String, List<CsvRow>> expectedByKey = new LinkedHashMap<>();
        expected.forEach(r ->
                expectedByKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r));
        assertThat(byKey.keySet()).containsExactlyInAnyOrderElementsOf(expectedByKey.keySet());
        expectedByKey.forEach((key, rows) -> {
            List<Prediction> got = byKey.get(key);
            assertThat(got).as("outputs of key %s", key).hasSize(rows.size());
            for (int i = 0; i < rows.size(); i++) {
                CsvRow want = rows.get(i);
                Prediction p = got.get(i);
                assertThat(p.timestamp()).as("key %s output %d", key, i).isEqualTo(want.t());
                assertThat(maxAbsDiff(p.outputs(), want.values()))
                        .as("key %s t=%d: %s vs Keras %s", key, want.t(), str(p.outputs()), str(want.values()))
                        .isLessThanOrEqualTo(TOLERANCE);
            }
        });
    }

    static float maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    private static String str(float[] v) {
        return java.util.Arrays.toString(v);
    }
}
