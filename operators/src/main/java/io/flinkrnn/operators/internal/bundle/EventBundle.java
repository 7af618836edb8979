package io.flinkrnn.operators.internal.bundle;

import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.state.KeyState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.flink.annotation.Internal;

/**
 * Events buffered across keys until the trigger fires. A key keeps its arrival order; each {@link
 * #nextRound()} takes the oldest pending event of every key, so one engine step serves many keys
 * and never holds two events of the same key.
 *
 * <p>Each key's share of the bundle is one {@link KeyEvents}, which also carries the key's state
 * while the bundle is served: an event costs one hash lookup here, on the task thread that serves
 * every event, instead of one per map a key would otherwise be tracked in.
 */
@Internal
public final class EventBundle {

    private final Map<String, KeyEvents> byKey = new HashMap<>();
    /** Every key of the bundle, in order of its first event. */
    private final List<KeyEvents> keys = new ArrayList<>();
    /** The keys that still have events to serve, in the same order. */
    private final List<KeyEvents> pending = new ArrayList<>();

    private final List<KeyEvents> round = new ArrayList<>();
    private final Function<String, KeyEvents> newKey = key -> {
        KeyEvents k = new KeyEvents(key);
        keys.add(k);
        pending.add(k);
        return k;
    };
    private int size;

    /** A key's pending events and, while its bundle is served, its state. */
    static final class KeyEvents {
        final String key;
        private final List<RnnEvent> events = new ArrayList<>(1);
        private int served;
        /** The state the key's next event continues: read before the first round, replaced when it starts fresh. */
        KeyState state;
        /** Whether an event stepped {@link #state}, which then must be written back. */
        boolean stepped;

        private KeyEvents(String key) {
            this.key = key;
        }

        /** The event of the round {@link #nextRound()} returned this key in. */
        RnnEvent event() {
            return events.get(served - 1);
        }
    }

    public void add(RnnEvent event) {
        byKey.computeIfAbsent(event.key(), newKey).events.add(event);
        size++;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public int size() {
        return size;
    }

    /** Every key of the bundle, in order of its first event, until {@link #clear()}. */
    List<KeyEvents> keys() {
        return keys;
    }

    /**
     * Takes one event of every key that has one, oldest first within each key: the round's keys,
     * each with {@link KeyEvents#event()} its event; the list is reused by the next round.
     */
    List<KeyEvents> nextRound() {
        round.clear();
        int kept = 0;
        for (int i = 0; i < pending.size(); i++) {
            KeyEvents k = pending.get(i);
            k.served++;
            round.add(k);
            if (k.served < k.events.size()) {
                pending.set(kept++, k);
            }
        }
        pending.subList(kept, pending.size()).clear();
        size -= round.size();
        return round;
    }

    /** Forgets the served keys, for the next bundle. */
    void clear() {
        byKey.clear();
        keys.clear();
        pending.clear();
        round.clear();
        size = 0;
    }
}
