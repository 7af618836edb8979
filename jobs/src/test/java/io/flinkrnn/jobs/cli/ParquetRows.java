package io.flinkrnn.jobs.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;

/** A Parquet file read back with Parquet's own reader: its column names and every row's values, in order. */
record ParquetRows(List<String> columns, List<List<Object>> rows) {

    static ParquetRows read(Path file) throws IOException {
        List<List<Object>> rows = new ArrayList<>();
        try (ParquetFileReader reader = new ParquetFileReader(
                new LocalInputFile(file), new ParquetReadOptions.Builder(new PlainParquetConfiguration()).build())) {
            MessageType schema = reader.getFileMetaData().getSchema();
            for (PageReadStore group = reader.readNextRowGroup(); group != null; group = reader.readNextRowGroup()) {
                RecordReader<Group> records = new ColumnIOFactory()
                        .getColumnIO(schema)
                        .getRecordReader(group, new GroupRecordConverter(schema));
                for (long r = 0; r < group.getRowCount(); r++) {
                    rows.add(values(schema, records.read()));
                }
            }
            return new ParquetRows(
                    schema.getFields().stream().map(f -> f.getName()).toList(), rows);
        }
    }

    private static List<Object> values(MessageType schema, Group row) {
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < schema.getFieldCount(); i++) {
            PrimitiveType type = schema.getType(i).asPrimitiveType();
            values.add(
                    switch (type.getPrimitiveTypeName()) {
                        case BINARY -> row.getString(i, 0);
                        case INT32 -> row.getInteger(i, 0);
                        case INT64 -> row.getLong(i, 0);
                        case FLOAT -> row.getFloat(i, 0);
                        default -> throw new IllegalArgumentException("unexpected column " + type);
                    });
        }
        return values;
    }
}
