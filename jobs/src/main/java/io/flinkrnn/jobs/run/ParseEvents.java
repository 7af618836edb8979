package io.flinkrnn.jobs.run;

import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.internal.EventValidator;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Turns Kafka records into events. A record that does not parse, or whose features the model cannot
 * take, or whose key is longer than {@link RecordLimits#MAX_KEY_BYTES}, goes to {@link #DEAD_LETTERS}
 * with its original bytes, here, where those bytes are still
 * at hand; the job never fails on input. Each event keeps its record's Kafka timestamp, which its
 * prediction may carry on ({@link OutputTimestamp#INPUT_RECORD}).
 */
final class ParseEvents extends ProcessFunction<KafkaPayload, RnnEvent> {

    static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    private final EventFormat format;
    private final int features;

    ParseEvents(EventFormat format, int features) {
        this.format = format;
        this.features = features;
    }

    @Override
    public void processElement(KafkaPayload record, Context ctx, Collector<RnnEvent> out) {
        if (record.value() == null) {
            ctx.output(DEAD_LETTERS, DeadLetter.unparsed(record, "tombstone: the record has no value"));
            return;
        }
        RnnEvent event;
        try {
            RnnEvent parsed = format.parse(record.value());
            event = new RnnEvent(parsed.key(), parsed.timestamp(), parsed.features(), record.timestamp());
        } catch (EventFormat.BadEvent e) {
            ctx.output(DEAD_LETTERS, DeadLetter.unparsed(record, e.getMessage()));
            return;
        }
        String reason = EventValidator.rejectReason(event, features);
        if (reason == null) {
            reason = RecordLimits.keyRefusal(event.key());
        }
        if (reason != null) {
            ctx.output(DEAD_LETTERS, DeadLetter.invalid(record, event, reason));
            return;
        }
        out.collect(event);
    }
}
