package io.flinkrnn.jobs.replay;

import io.flinkrnn.operators.RnnEvent;
import io.flinkrnn.operators.internal.EventValidator;
import java.util.HashMap;
import java.util.Map;

/**
 * Parses replay input rows {@code key,t,x0,x1,...} (docs/SEMANTICS.md section 7) one line at a time, so
 * files of any size stream through. A bad row yields a reason instead of an event and leaves no
 * trace, not even in the per-key order check.
 */
public final class EventCsv {

    /** One parsed line: an event, or the reason the line was rejected. */
    public record Parsed(long line, RnnEvent event, String key, String reason) {
        public boolean rejected() {
            return reason != null;
        }
    }

    private final int features;
    private final Map<String, Long> lastT = new HashMap<>();

    public EventCsv(int features) {
        this.features = features;
    }

    /** Checks the header, which names key, t and one column per feature. */
    public static String headerProblem(String header, int features) {
        if (header == null) {
            return "the file is empty; expected a header key,t,x0,...";
        }
        String[] cells = header.split(",", -1);
        if (cells.length < 2
                || !cells[0].trim().equals("key")
                || !cells[1].trim().equals("t")) {
            return "the header must start with key,t; got '" + header + "'";
        }
        if (cells.length - 2 != features) {
            return "the header names " + (cells.length - 2) + " features, the model takes " + features;
        }
        return null;
    }

    /** The keys with an accepted event so far. */
    public int keys() {
        return lastT.size();
    }

    public Parsed parse(long lineNumber, String line) {
        String[] cells = line.split(",", -1);
        String key = cells[0].trim();
        if (cells.length < 2) {
            return new Parsed(lineNumber, null, key, "expected key,t,x0..x" + (features - 1) + "; got '" + line + "'");
        }
        long t;
        try {
            t = Long.parseLong(cells[1].trim());
        } catch (NumberFormatException e) {
            return new Parsed(lineNumber, null, key, "t is not an integer: '" + cells[1].trim() + "'");
        }
        float[] x = new float[cells.length - 2];
        for (int i = 0; i < x.length; i++) {
            String cell = cells[i + 2].trim();
            try {
                x[i] = Float.parseFloat(cell);
            } catch (NumberFormatException e) {
                return new Parsed(lineNumber, null, key, "x" + i + " is not a number: '" + cell + "'");
            }
        }
        RnnEvent event = new RnnEvent(key, t, x);
        String reason = EventValidator.rejectReason(event, features);
        if (reason == null) {
            Long previous = lastT.get(key);
            if (previous != null && t <= previous) {
                reason = "t=" + t + " is not after the key's last t=" + previous;
            }
        }
        if (reason != null) {
            return new Parsed(lineNumber, null, key, reason);
        }
        lastT.put(key, t);
        return new Parsed(lineNumber, event, key, null);
    }
}
