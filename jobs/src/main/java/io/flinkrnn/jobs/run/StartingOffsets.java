package io.flinkrnn.jobs.run;

import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/** Where a job that starts without a checkpoint begins reading the event topic. */
public enum StartingOffsets {
    EARLIEST,
    LATEST,
    /** The consumer group's committed offsets; a group without any starts at the earliest. */
    COMMITTED;

    OffsetsInitializer initializer() {
        return switch (this) {
            case EARLIEST -> OffsetsInitializer.earliest();
            case LATEST -> OffsetsInitializer.latest();
            case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        };
    }
}
