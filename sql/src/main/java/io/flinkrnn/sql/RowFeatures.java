package io.flinkrnn.sql;

import java.util.List;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.types.ColumnList;
import org.apache.flink.types.Row;

/**
 * Reads one event's features from an input row: the numeric columns a {@code DESCRIPTOR(x0, x1,
 * ...)} names, in that order, or the one {@code ARRAY<FLOAT>} (or {@code ARRAY<DOUBLE>}) column it
 * names. Column positions are resolved once against the input table's type.
 */
final class RowFeatures {

    private final List<String> names;
    private final int[] positions;
    private final boolean array;

    private RowFeatures(List<String> names, int[] positions, boolean array) {
        this.names = names;
        this.positions = positions;
        this.array = array;
    }

    /**
     * @param width the model's features per event, which named numeric columns must match
     * @throws IllegalArgumentException naming the column that the table lacks or whose type cannot
     *     carry features, or when the columns are not as many as the model's features
     */
    static RowFeatures of(ColumnList descriptor, DataType table, int width) {
        List<String> names = descriptor.getNames();
        List<String> columns = DataType.getFieldNames(table);
        List<DataType> types = DataType.getFieldDataTypes(table);
        int[] positions = new int[names.size()];
        boolean array = false;
        for (int i = 0; i < names.size(); i++) {
            positions[i] = columns.indexOf(names.get(i));
            if (positions[i] < 0) {
                throw new IllegalArgumentException(
                        "features => DESCRIPTOR(...) names column " + names.get(i) + ", the input has " + columns);
            }
            LogicalTypeRoot root = types.get(positions[i]).getLogicalType().getTypeRoot();
            array = root == LogicalTypeRoot.ARRAY;
            if (array && names.size() > 1) {
                throw new IllegalArgumentException("features => DESCRIPTOR(...) names either numeric columns or one "
                        + "ARRAY<FLOAT> column; " + names.get(i) + " is an array among " + names.size() + " columns");
            }
        }
        if (!array && names.size() != width) {
            throw new IllegalArgumentException(
                    "features => DESCRIPTOR(...) names " + names.size() + " columns, the model takes " + width);
        }
        return new RowFeatures(names, positions, array);
    }

    /**
     * The position of the one BOOLEAN column a {@code resets => DESCRIPTOR(col)} names.
     *
     * @throws IllegalArgumentException when it names another number of columns, or one the table
     *     lacks or that is not BOOLEAN
     */
    static int booleanColumn(ColumnList descriptor, DataType table) {
        List<String> names = descriptor.getNames();
        List<String> columns = DataType.getFieldNames(table);
        int position = names.size() == 1 ? columns.indexOf(names.get(0)) : -1;
        if (position < 0
                || DataType.getFieldDataTypes(table)
                                .get(position)
                                .getLogicalType()
                                .getTypeRoot()
                        != LogicalTypeRoot.BOOLEAN) {
            throw new IllegalArgumentException(
                    "resets => DESCRIPTOR(...) names one BOOLEAN column of the input " + columns + ", got " + names);
        }
        return position;
    }

    /** Column {@code position} of {@code row} as a boolean; null is false. */
    static boolean flag(Row row, int position) {
        return Boolean.TRUE.equals(row.getField(position));
    }

    /**
     * The row's features, or {@code null} after writing the reason into {@code reason[0]}: a null
     * column or element, a value that is not finite, or a width other than {@code width}.
     */
    float[] read(Row row, int width, String[] reason) {
        Object[] values;
        if (!array) {
            values = new Object[positions.length];
            for (int i = 0; i < positions.length; i++) {
                values[i] = row.getField(positions[i]);
            }
        } else if (row.getField(positions[0]) instanceof float[] floats) {
            // ARRAY<FLOAT NOT NULL> arrives unboxed.
            return checked(floats.clone(), width, reason);
        } else {
            values = (Object[]) row.getField(positions[0]);
            if (values == null) {
                reason[0] = "features column " + names.get(0) + " is null";
                return null;
            }
        }
        if (values.length != width) {
            reason[0] = "expected " + width + " features, got " + values.length;
            return null;
        }
        float[] x = new float[width];
        for (int i = 0; i < width; i++) {
            if (!(values[i] instanceof Number n)) {
                reason[0] = "feature " + label(i) + " is null";
                return null;
            }
            x[i] = n.floatValue();
        }
        return checked(x, width, reason);
    }

    private float[] checked(float[] x, int width, String[] reason) {
        if (x.length != width) {
            reason[0] = "expected " + width + " features, got " + x.length;
            return null;
        }
        for (int i = 0; i < width; i++) {
            if (!Float.isFinite(x[i])) {
                reason[0] = "feature " + label(i) + " is " + x[i];
                return null;
            }
        }
        return x;
    }

    private String label(int i) {
        return array ? names.get(0) + "[" + (i + 1) + "]" : names.get(i);
    }
}
