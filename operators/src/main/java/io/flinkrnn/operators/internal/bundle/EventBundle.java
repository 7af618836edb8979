package io.flinkrnn.operators.internal.bundle;

import io.flinkrnn.operators.RnnEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.annotation.Internal;

/**
 * Events buffered across keys until the trigger fires. A key keeps its arrival order; each {@link
 * #nextRound()} takes the oldest pending event of every key, so one engine step serves many keys
 * and never holds two events of the same key.
 */
@Internal
public final class EventBundle {

    private final Map<String, ArrayDeque<RnnEvent>> pending = new LinkedHashMap<>();
    private int size;

    public void add(RnnEvent event) {
        pending.computeIfAbsent(event.key(), k -> new ArrayDeque<>(2)).addLast(event);
        size++;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public int size() {
        return size;
    }

    /** The keys with pending events, in order of their first event. */
    public Set<String> keys() {
        return pending.keySet();
    }

    /** Removes and returns one event of every key that has one, oldest first within each key. */
    public List<RnnEvent> nextRound() {
        List<RnnEvent> round = new ArrayList<>(pending.size());
        Iterator<ArrayDeque<RnnEvent>> it = pending.values().iterator();
        while (it.hasNext()) {
            ArrayDeque<RnnEvent> queue = it.next();
            round.add(queue.pollFirst());
            if (queue.isEmpty()) {
                it.remove();
            }
        }
        size -= round.size();
        return round;
    }
}
