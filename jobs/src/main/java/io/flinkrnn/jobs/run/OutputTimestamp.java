package io.flinkrnn.jobs.run;

import io.flinkrnn.operators.Prediction;
import io.flinkrnn.operators.RnnEvent;
import java.time.Duration;
import java.util.Locale;

/**
 * Which Kafka record timestamp an output gets ({@code flink-rnn.kafka.output-timestamp}). Kafka reads
 * record timestamps as epoch milliseconds: retention deletes records by them and the broker refuses
 * those too far ahead of its clock. An event's {@code ts} may count steps, seconds or microseconds,
 * so it is the record timestamp only when the user says it is epoch milliseconds ({@link #EVENT}); the
 * payload keeps {@code ts} whatever this says.
 */
public enum OutputTimestamp {
    /** The timestamp of the Kafka record the event was read from. */
    INPUT_RECORD,
    /** The time the sink writes the output (Kafka's producer stamps it). */
    PROCESSING_TIME,
    /** The event's {@code ts}, which must then be epoch milliseconds. */
    EVENT;

    /**
     * How far ahead of the clock a timestamp may be: Kafka refuses more than {@code
     * message.timestamp.after.max.ms} ahead of the broker's clock (1 h by default since Kafka 4.0),
     * less a margin for the clocks of this machine and the broker to differ.
     */
    static final Duration MAX_AHEAD = Duration.ofMinutes(55);

    static OutputTimestamp named(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(RunOptions.OUTPUT_TIMESTAMP.key()
                    + " is input-record, processing-time or event; got '" + name + "'");
        }
    }

    /** The option value naming this, e.g. {@code input-record}. */
    String value() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The record timestamp for {@code p}, or {@code null} for the producer's clock. */
    Long of(Prediction p) {
        return switch (this) {
            case INPUT_RECORD -> source(p.sourceTimestamp());
            case PROCESSING_TIME -> null;
            case EVENT -> p.timestamp();
        };
    }

    /** The input record's timestamp, or {@code null} (the producer's clock) when there was none. */
    static Long source(long sourceTimestamp) {
        // Kafka's consumer reports -1 for a record without a timestamp.
        return sourceTimestamp == RnnEvent.NO_SOURCE_TIMESTAMP || sourceTimestamp < 0 ? null : sourceTimestamp;
    }

    /**
     * Why Kafka would refuse {@code timestamp} as a record timestamp at {@code now}, or {@code null}
     * when it takes it. A record the broker refuses fails the sink and restarts the job in a loop, so
     * such a timestamp is caught here, before the sink, instead.
     */
    static String refusal(Long timestamp, long now) {
        if (timestamp == null) {
            return null;
        }
        if (timestamp < 0) {
            return "negative";
        }
        if (timestamp > now + MAX_AHEAD.toMillis()) {
            return "more than " + MAX_AHEAD.toMinutes() + " min ahead of the clock";
        }
        return null;
    }
}
