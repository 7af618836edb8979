package io.flinkrnn.operators;

import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;

/**
 * A checkpointed Flink source over a fixture's events, in the fixture's interleaved order. Its
 * position is part of every checkpoint, so a restarted job replays exactly the events after it.
 */
final class FixtureEvents {

    private FixtureEvents() {}

    /**
     * Emits {@code events[from..to)}, then (when {@code idleAfter}) endless filler events with an
     * empty key that the pipeline drops, so a job stays running until it is stopped with a savepoint.
     */
    static DataGeneratorSource<RnnEvent> source(
            List<RnnEvent> events, int from, int to, double perSecond, boolean idleAfter) {
        RnnEvent[] slice = events.subList(from, to).toArray(RnnEvent[]::new);
        long count = idleAfter ? Long.MAX_VALUE : slice.length;
        return new DataGeneratorSource<>(
                i -> i < slice.length ? slice[(int) (long) i] : new RnnEvent("", i, new float[0]),
                count,
                RateLimiterStrategy.perSecond(perSecond),
                TypeInformation.of(RnnEvent.class));
    }
}
