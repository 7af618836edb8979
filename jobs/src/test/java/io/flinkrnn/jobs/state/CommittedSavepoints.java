package io.flinkrnn.jobs.state;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.model.KerasModels;
import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.operators.internal.model.EngineModes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The savepoints the operators module commits ({@code operators/src/test/resources/savepoints},
 * written by its {@code StateSavepointWriter}): Keras's {@code keras3_swap} v1 serving {@link
 * #COPIES} copies ({@code c<copy>/<key>}) of the fixture's keys over the events before the
 * fixture's swap row, stopped with a savepoint; {@code layout-N/hashmap} is canonical, {@code
 * layout-N/rocksdb} RocksDB's native format.
 */
final class CommittedSavepoints {

    static final Fixture SWAP = Fixture.named("keras3_swap");
    static final int COPIES = 100;

    private CommittedSavepoints() {}

    static String path(int layout, String backend) {
        Path dir = Fixture.root()
                .getParent()
                .resolve("operators/src/test/resources/savepoints/layout-" + layout + "/" + backend);
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("no committed savepoint at " + dir);
        }
        return dir.toUri().toString();
    }

    static Path v1() {
        return SWAP.dir().resolve("v1.keras");
    }

    static InferenceModel model(Path file) {
        var spec = KerasModels.load(file);
        return InferenceModel.compile(spec, EngineModes.of("stateful", null, spec));
    }

    /** Events before the swap row are in the savepoints. */
    static int cut() {
        return SWAP.meta().path("swap_row").asInt();
    }

    static String copy(int c, String key) {
        return "c" + c + "/" + key;
    }

    /** Each fixture key's rows {@code [from, to)}, in order. */
    static Map<String, List<CsvRow>> rowsByKey(List<CsvRow> rows, int from, int to) {
        Map<String, List<CsvRow>> byKey = new LinkedHashMap<>();
        for (CsvRow row : rows.subList(from, to)) {
            byKey.computeIfAbsent(row.key(), k -> new ArrayList<>()).add(row);
        }
        return byKey;
    }
}
