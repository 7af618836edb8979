package io.flinkrnn.jobs.run;

import java.nio.charset.StandardCharsets;

/**
 * Sizes that keep every record the job writes within a Kafka producer's default request limit
 * ({@code max.request.size}, 1 MB). A record over it fails the sink, and the replay after the restart
 * fails it again, so one oversized input must not be able to produce one: a key appears twice in its
 * outputs (record key and JSON), and a dead letter also carries the original bytes, JSON-escaped
 * (up to six characters a byte) or in base64.
 */
final class RecordLimits {

    /** The longest key, in UTF-8 bytes, an event may have. */
    static final int MAX_KEY_BYTES = 64 * 1024;

    /** How much of a bad record's original bytes a dead letter keeps. */
    static final int MAX_PAYLOAD_BYTES = 64 * 1024;

    private RecordLimits() {}

    /** Whether {@code key} is at most {@link #MAX_KEY_BYTES} long in UTF-8. */
    static boolean keyFits(String key) {
        // A char is at most 3 UTF-8 bytes (a surrogate pair is 4 for two chars): most keys need no encoding.
        return key.length() <= MAX_KEY_BYTES / 3 || utf8Length(key) <= MAX_KEY_BYTES;
    }

    /** Why an event with {@code key} is refused, or {@code null} when its key fits. */
    static String keyRefusal(String key) {
        return keyFits(key) ? null : "key is " + utf8Length(key) + " bytes, more than " + MAX_KEY_BYTES;
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
