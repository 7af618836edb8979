package io.flinkrnn.operators;

import io.flinkrnn.model.fixtures.CsvRow;
import io.flinkrnn.model.fixtures.Fixture;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.List;

/**
 * The savepoints committed under {@code src/test/resources/savepoints/}: Keras's {@code keras3_swap}
 * v1 serving {@link #COPIES} copies of the fixture's keys up to its swap row (the first {@link
 * #cut()} events of each copy), stopped with a savepoint. A restore continues with the rest of the
 * events, and every copy of a key must then give Keras's own outputs of that key.
 *
 * <p>{@code layout-N/} holds what a build whose key state layout is N wrote: {@code hashmap/} a
 * canonical savepoint of the hashmap backend, {@code rocksdb/} a native savepoint of RocksDB.
 * {@link StateSavepointWriter} writes them; a new layout adds a directory and keeps the old ones.
 */
final class StateSavepoints {

    static final Fixture SWAP = Fixture.named("keras3_swap");
    /** 100 copies of the fixture's 3 keys that have events before the swap row: 300 keys in state. */
    static final int COPIES = 100;

    private StateSavepoints() {}

    static ModelSource v1() {
        return ModelSource.of(SWAP.dir().resolve("v1.keras"));
    }

    /** Events before the swap row are in the savepoints. */
    static int cut() {
        return SWAP.meta().path("swap_row").asInt();
    }

    /** Fixture events {@code [from, to)}, each as {@link #COPIES} keys, copy after copy per event. */
    static List<RnnEvent> events(int from, int to) {
        return events(SWAP, from, to);
    }

    /** Another fixture's events {@code [from, to)}, copied like the savepoints' keys. */
    static List<RnnEvent> events(Fixture fixture, int from, int to) {
        return KeyCopies.events(fixture.eventRows(), from, to, COPIES);
    }

    /** Keras's v1 outputs of the fixture's rows {@code [from, to)}, copied like {@link #events}. */
    static List<CsvRow> expected(int from, int to) {
        return expected(SWAP.expectedRows(), from, to);
    }

    /** Keras's outputs {@code [from, to)} of a fixture's expected rows, copied like {@link #events}. */
    static List<CsvRow> expected(List<CsvRow> keras, int from, int to) {
        return KeyCopies.rows(keras, from, to, COPIES);
    }

    static int size() {
        return SWAP.eventRows().size();
    }

    /** The savepoint a build of key state layout {@code layout} wrote on {@code backend}. */
    static String path(int layout, String backend) {
        URL dir = StateSavepoints.class.getResource("/savepoints/layout-" + layout + "/" + backend);
        if (dir == null) {
            throw new IllegalStateException("no savepoint of layout " + layout + " on " + backend
                    + " in src/test/resources/savepoints: write it with StateSavepointWriter");
        }
        try {
            return Path.of(dir.toURI()).toUri().toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
