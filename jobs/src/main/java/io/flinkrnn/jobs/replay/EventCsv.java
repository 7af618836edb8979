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

    /** The row as {@code replay} serves it: {@link #parseRow}, then the key's order. */
    public Parsed parse(long lineNumber, String line) {
        Parsed parsed = parseRow(lineNumber, line);
        if (parsed.rejected()) {
            return parsed;
        }
        long t = parsed.event().timestamp();
        Long previous = lastT.get(parsed.key());
        String reason = previous == null ? null : orderProblem(t, previous);
        if (reason != null) {
            return new Parsed(lineNumber, null, parsed.key(), reason);
        }
        lastT.put(parsed.key(), t);
        return parsed;
    }

    /**
     * The row on its own: its cells and values, without the check against the key's earlier rows,
     * which {@link #parse} adds (and {@code state bootstrap} makes once it has a key's rows together).
     */
    public Parsed parseRow(long lineNumber, String line) {
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
        return reason != null ? new Parsed(lineNumber, null, key, reason) : new Parsed(lineNumber, event, key, null);
    }

    /**
     * Why a row at {@code t} cannot follow its key's last served row at {@code previous}, or {@code
     * null}: a key's rows must come in the order they happened, and a rejected row does not count.
     */
    public static String orderProblem(long t, long previous) {
        return t > previous ? null : "t=" + t + " is not after the key's last t=" + previous;
    }
}
