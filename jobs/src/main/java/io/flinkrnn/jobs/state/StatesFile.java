package io.flinkrnn.jobs.state;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A file of one row per key ({@code state inspect --out}): {@code key,key_group,last_timestamp,epoch},
 * then, given the model, each recurrent state's floats under Keras's names ({@code lstm/h[0]}, ...,
 * {@code lstm/c[7]}); without it, the key's raw state floats ({@code v0}, ...) as the engine lays
 * them out. CSV, or Parquet for a name ending in {@code .parquet}: the same columns either way.
 */
public interface StatesFile extends AutoCloseable {

    /** The columns before the states'. */
    List<String> KEY_COLUMNS = List.of("key", "key_group", "last_timestamp", "epoch");

    /** A CSV or, for {@code *.parquet}, a Parquet file at {@code file}; {@code named} is {@code null} for raw floats. */
    static StatesFile create(Path file, List<KerasStates.KerasState> named) {
        return file.getFileName().toString().endsWith(".parquet")
                ? new StatesParquet(file, named)
                : new StatesCsv(file, named);
    }

    void write(RnnKeyState key, int keyGroup);

    @Override
    void close();

    /** The names of the state columns, for keys of {@code floats} state floats. */
    static List<String> stateColumns(List<KerasStates.KerasState> named, int floats) {
        List<String> columns = new ArrayList<>();
        if (named == null) {
            for (int i = 0; i < floats; i++) {
                columns.add("v" + i);
            }
        } else {
            for (KerasStates.KerasState state : named) {
                for (int i = 0; i < state.units(); i++) {
                    columns.add(state.label() + "[" + i + "]");
                }
            }
        }
        return columns;
    }

    /** The key's state floats in the order of {@link #stateColumns}. */
    static float[] stateFloats(RnnKeyState key, List<KerasStates.KerasState> named) {
        if (named == null) {
            return key.values();
        }
        float[] floats =
                new float[named.stream().mapToInt(KerasStates.KerasState::units).sum()];
        int at = 0;
        for (KerasStates.KerasState state : named) {
            System.arraycopy(key.values(), state.offset(), floats, at, state.units());
            at += state.units();
        }
        return floats;
    }
}
