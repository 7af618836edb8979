package io.flinkrnn.jobs.run;

import io.flinkrnn.operators.Prediction;
import io.flinkrnn.operators.Rejected;
import io.flinkrnn.operators.RnnEvent;

/**
 * An event that changed no state, or an output Kafka would refuse, on its way to the dead-letter
 * topic.
 *
 * @param stage {@code parse} (not an event the model can take), {@code control} (a record of the
 *     control topic that is not a control), {@code inference} (rejected by the
 *     operator, including resends), {@code late} (behind the allowed lateness, or older than its
 *     key's last served event) or {@code output} (a prediction whose
 *     Kafka record timestamp the broker would refuse)
 * @param key the event's key, {@code null} when the record had none
 * @param ts the event's timestamp, {@code null} when the record had none
 * @param origin {@code topic-partition@offset} of the record, {@code null} past the parse stage
 * @param payload the original record value for the parse stage, the prediction for the output stage;
 *     {@code null} for the others, which no longer hold the original bytes
 * @param sourceTimestamp the input record's Kafka timestamp where the job still has it, else {@link
 *     RnnEvent#NO_SOURCE_TIMESTAMP}
 */
public record DeadLetter(
        String stage, String reason, String key, Long ts, String origin, byte[] payload, long sourceTimestamp) {

    static DeadLetter unparsed(KafkaPayload record, String reason) {
        return new DeadLetter("parse", reason, null, null, record.origin(), record.value(), record.timestamp());
    }

    static DeadLetter control(KafkaPayload record, String reason) {
        return new DeadLetter("control", reason, null, null, record.origin(), record.value(), record.timestamp());
    }

    static DeadLetter invalid(KafkaPayload record, RnnEvent event, String reason) {
        return new DeadLetter(
                "parse", reason, event.key(), event.timestamp(), record.origin(), record.value(), record.timestamp());
    }

    static DeadLetter rejected(Rejected r) {
        Long ts = r.timestamp() == Long.MIN_VALUE ? null : r.timestamp();
        return new DeadLetter("inference", r.reason(), r.key(), ts, null, null, RnnEvent.NO_SOURCE_TIMESTAMP);
    }

    static DeadLetter late(RnnEvent e) {
        return new DeadLetter(
                "late",
                "behind the watermark by more than the allowed lateness, or older than its key's last served event",
                e.key(),
                e.timestamp(),
                null,
                null,
                e.sourceTimestamp());
    }

    static DeadLetter unwritable(Prediction p, String reason, byte[] prediction) {
        return new DeadLetter("output", reason, p.key(), p.timestamp(), null, prediction, p.sourceTimestamp());
    }
}
