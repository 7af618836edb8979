package io.flinkrnn.jobs.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * {@link StatesFile} as Parquet: one required column per CSV column ({@code key} a UTF-8 string,
 * {@code key_group} and {@code epoch} int32, {@code last_timestamp} int64, each state float a
 * float), uncompressed (state floats hardly compress), in row groups of about {@value
 * #ROW_GROUP_BYTES} bytes so that memory stays bounded whatever the number of keys.
 *
 * <p>Written with parquet-hadoop's {@link ParquetFileWriter} on a local file, below its {@code
 * ParquetWriter} builders: those load Hadoop's {@code Configuration}, which flink-rnn does not ship.
 */
final class StatesParquet implements StatesFile {

    static final long ROW_GROUP_BYTES = 64L << 20;
    /** How often the buffered size is checked, in rows: the check walks every column. */
    private static final int SIZE_CHECK_ROWS = 1024;

    /** Writes pages as they are: no codec, so no native library and no Hadoop codec class. */
    private static final CompressionCodecFactory.BytesInputCompressor UNCOMPRESSED =
            new CompressionCodecFactory.BytesInputCompressor() {
                @Override
                public BytesInput compress(BytesInput bytes) {
                    return bytes;
                }

                @Override
                public CompressionCodecName getCodecName() {
                    return CompressionCodecName.UNCOMPRESSED;
                }

                @Override
                public void release() {}
            };

    private final Path file;
    /** Named states to write, or {@code null} for the raw floats. */
    private final List<KerasStates.KerasState> named;

    /** Opened on the first key, whose number of floats the raw columns need. */
    private ParquetFileWriter writer;

    private MessageType schema;
    private ParquetProperties properties;
    private ColumnChunkPageWriteStore pages;
    private ColumnWriteStore columns;
    private RecordConsumer rows;
    private long rowsInGroup;

    StatesParquet(Path file, List<KerasStates.KerasState> named) {
        this.file = file;
        this.named = named;
    }

    @Override
    public void write(RnnKeyState key, int keyGroup) {
        try {
            if (writer == null) {
                open(key.values().length);
            }
            rows.startMessage();
            field(0, () -> rows.addBinary(Binary.fromString(key.key())));
            field(1, () -> rows.addInteger(keyGroup));
            field(2, () -> rows.addLong(key.lastTimestamp()));
            field(3, () -> rows.addInteger(key.epoch()));
            float[] floats = StatesFile.stateFloats(key, named);
            for (int i = 0; i < floats.length; i++) {
                float v = floats[i];
                field(KEY_COLUMNS.size() + i, () -> rows.addFloat(v));
            }
            rows.endMessage();
            if (++rowsInGroup % SIZE_CHECK_ROWS == 0 && columns.getBufferedSize() >= ROW_GROUP_BYTES) {
                flushRowGroup();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private void field(int index, Runnable value) {
        String name = schema.getFieldName(index);
        rows.startField(name, index);
        value.run();
        rows.endField(name, index);
    }

    private void open(int floats) throws IOException {
        Types.GroupBuilder<MessageType> columns = Types.buildMessage()
                .required(PrimitiveTypeName.BINARY)
                .as(LogicalTypeAnnotation.stringType())
                .named(KEY_COLUMNS.get(0))
                .required(PrimitiveTypeName.INT32)
                .named(KEY_COLUMNS.get(1))
                .required(PrimitiveTypeName.INT64)
                .named(KEY_COLUMNS.get(2))
                .required(PrimitiveTypeName.INT32)
                .named(KEY_COLUMNS.get(3));
        for (String state : StatesFile.stateColumns(named, floats)) {
            columns.required(PrimitiveTypeName.FLOAT).named(state);
        }
        schema = columns.named("states");
        properties = ParquetProperties.builder().build();
        writer = new ParquetFileWriter(
                new LocalOutputFile(file), schema, ParquetFileWriter.Mode.OVERWRITE, ROW_GROUP_BYTES, 0);
        writer.start();
        startRowGroup();
    }

    private void startRowGroup() {
        pages = new ColumnChunkPageWriteStore(
                UNCOMPRESSED, schema, properties.getAllocator(), properties.getColumnIndexTruncateLength());
        columns = properties.newColumnWriteStore(schema, pages);
        rows = new ColumnIOFactory().getColumnIO(schema).getRecordWriter(columns);
        rowsInGroup = 0;
    }

    private void flushRowGroup() throws IOException {
        columns.flush();
        writer.startBlock(rowsInGroup);
        pages.flushToFileWriter(writer);
        writer.endBlock();
        columns.close();
        pages.close();
        startRowGroup();
    }

    @Override
    public void close() {
        try {
            if (writer == null) {
                // No key: a file with the key columns alone, so that a reader finds a schema.
                open(0);
            }
            if (rowsInGroup > 0) {
                flushRowGroup();
            }
            columns.close();
            pages.close();
            writer.end(Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
