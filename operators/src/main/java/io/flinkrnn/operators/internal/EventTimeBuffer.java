package io.flinkrnn.operators.internal;

import io.flinkrnn.operators.RnnEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.InternalTimerService;

/**
 * Event-time order ({@code flink-rnn.event-time.allowed-lateness} set): each key's events wait in
 * keyed state, grouped by timestamp, until the watermark passes them, with an event-time timer per
 * timestamp. Timers fire in timestamp order, so each key's events leave sorted by event time. Being
 * keyed state, the buffer is checkpointed, restored and rescaled with its key.
 */
@Internal
public final class EventTimeBuffer {

    /** The keyed map state of waiting events: a RocksDB column family of this name. */
    public static final String STATE_NAME = "flink-rnn-event-time-buffer";

    /** Where an arriving event goes. */
    public enum Arrival {
        /** Ahead of the watermark: it waits here. */
        BUFFERED,
        /** Behind the watermark, within the allowed lateness: served as it arrives. */
        SERVE_NOW,
        /** Behind the watermark by more than the lateness: the late output's. */
        LATE
    }

    private final MapState<Long, List<RnnEvent>> waiting;
    private final InternalTimerService<VoidNamespace> timers;
    private final long allowedLatenessMillis;

    public EventTimeBuffer(RuntimeContext state, InternalTimerService<VoidNamespace> timers, Duration allowedLateness) {
        this.waiting = state.getMapState(
                new MapStateDescriptor<>(STATE_NAME, Types.LONG, Types.LIST(TypeInformation.of(RnnEvent.class))));
        this.timers = timers;
        this.allowedLatenessMillis = allowedLateness.toMillis();
    }

    /** Takes {@code event} (of the current key) if it is ahead of the watermark; says where it goes. */
    public Arrival add(RnnEvent event) throws Exception {
        long watermark = timers.currentWatermark();
        if (event.timestamp() > watermark) {
            List<RnnEvent> sameTime = waiting.get(event.timestamp());
            if (sameTime == null) {
                sameTime = new ArrayList<>(1);
            }
            sameTime.add(event);
            waiting.put(event.timestamp(), sameTime);
            timers.registerEventTimeTimer(VoidNamespace.INSTANCE, event.timestamp());
            return Arrival.BUFFERED;
        }
        return watermark - event.timestamp() <= allowedLatenessMillis ? Arrival.SERVE_NOW : Arrival.LATE;
    }

    /** The current key's events of {@code timestamp}, which the watermark has passed, removed. */
    public List<RnnEvent> release(long timestamp) throws Exception {
        List<RnnEvent> ripe = waiting.get(timestamp);
        waiting.remove(timestamp);
        return ripe == null ? List.of() : ripe;
    }
}
