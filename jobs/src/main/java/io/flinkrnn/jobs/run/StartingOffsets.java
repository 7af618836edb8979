package io.flinkrnn.jobs.run;

import java.util.Locale;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Where the job begins reading the event topic when its source has no state: a fresh start, or a
 * restore from a savepoint without the source's state, such as one {@code flink-rnn state
 * bootstrap} wrote. A restored source state (the source's splits and their offsets) always wins.
 *
 * @param timestamp for {@link Start#TIMESTAMP}, the Kafka record timestamp in milliseconds to start
 *     at: in each partition the first record stamped at or after it (the partition's end if none is)
 */
public record StartingOffsets(Start start, long timestamp) {

    /** The kinds of start. */
    public enum Start {
        EARLIEST,
        LATEST,
        /** The consumer group's committed offsets; a group without any starts at the earliest. */
        COMMITTED,
        TIMESTAMP
    }

    public static final StartingOffsets EARLIEST = new StartingOffsets(Start.EARLIEST, 0);
    public static final StartingOffsets LATEST = new StartingOffsets(Start.LATEST, 0);
    public static final StartingOffsets COMMITTED = new StartingOffsets(Start.COMMITTED, 0);

    private static final String TIMESTAMP_PREFIX = "timestamp:";

    static StartingOffsets named(String name) {
        String value = name.trim().toLowerCase(Locale.ROOT);
        if (value.startsWith(TIMESTAMP_PREFIX)) {
            try {
                long at = Long.parseLong(
                        value.substring(TIMESTAMP_PREFIX.length()).trim());
                if (at >= 0) {
                    return new StartingOffsets(Start.TIMESTAMP, at);
                }
            } catch (NumberFormatException e) {
                // reported below with the accepted forms
            }
        } else {
            for (StartingOffsets named : new StartingOffsets[] {EARLIEST, LATEST, COMMITTED}) {
                if (named.start.name().toLowerCase(Locale.ROOT).equals(value)) {
                    return named;
                }
            }
        }
        throw new IllegalArgumentException(RunOptions.STARTING_OFFSETS.key()
                + " is earliest, latest, committed or timestamp:MILLIS (a Kafka record timestamp, e.g."
                + " timestamp:1767225600000); got '" + name + "'");
    }

    OffsetsInitializer initializer() {
        return switch (start) {
            case EARLIEST -> OffsetsInitializer.earliest();
            case LATEST -> OffsetsInitializer.latest();
            case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
            case TIMESTAMP -> OffsetsInitializer.timestamp(timestamp);
        };
    }
}
