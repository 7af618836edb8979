package io.flinkrnn.jobs.run;

import io.flinkrnn.operators.Rejected;
import io.flinkrnn.operators.RnnEvent;

/**
 * An event that changed no state, on its way to the dead-letter topic.
 *
 * @param stage {@code parse} (not an event the model can take), {@code inference} (rejected by the
 *     operator) or {@code late} (behind the allowed lateness)
 * @param key the event's key, {@code null} when the record had none
 * @param ts the event's timestamp, {@code null} when the record had none
 * @param origin {@code topic-partition@offset} of the record, {@code null} past the parse stage
 * @param payload the original record value for the parse stage; {@code null} for the later stages,
 *     which no longer hold the original bytes
 */
public record DeadLetter(String stage, String reason, String key, Long ts, String origin, byte[] payload) {

    static DeadLetter unparsed(KafkaPayload record, String reason) {
        return new DeadLetter("parse", reason, null, null, record.origin(), record.value());
    }

    static DeadLetter invalid(KafkaPayload record, RnnEvent event, String reason) {
        return new DeadLetter("parse", reason, event.key(), event.timestamp(), record.origin(), record.value());
    }

    static DeadLetter rejected(Rejected r) {
        Long ts = r.timestamp() == Long.MIN_VALUE ? null : r.timestamp();
        return new DeadLetter("inference", r.reason(), r.key(), ts, null, null);
    }

    static DeadLetter late(RnnEvent e) {
        return new DeadLetter("late", "later than the allowed lateness", e.key(), e.timestamp(), null, null);
    }
}
