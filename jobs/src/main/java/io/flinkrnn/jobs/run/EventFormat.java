package io.flinkrnn.jobs.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.flinkrnn.operators.RnnEvent;
import java.nio.charset.StandardCharsets;

/**
 * How an event is written in a Kafka record's value: JSON {@code {"key": "...", "ts": 123, "x": [..]}}
 * or CSV {@code key,ts,x0,x1,...}. A record that is not a well-formed event throws {@link
 * BadEvent} with the reason; whether the features fit the model is {@code EventValidator}'s call.
 */
public enum EventFormat {
    JSON {
        @Override
        RnnEvent parse(byte[] value) throws BadEvent {
            JsonNode root;
            try {
                root = MAPPER.readTree(value);
            } catch (JsonProcessingException e) {
                throw new BadEvent("not JSON: " + e.getOriginalMessage());
            } catch (java.io.IOException e) {
                throw new BadEvent("not JSON: " + e.getMessage());
            }
            if (root == null || !root.isObject()) {
                throw new BadEvent("not a JSON object");
            }
            JsonNode key = root.get("key");
            if (key == null || !key.isTextual()) {
                throw new BadEvent("\"key\" is missing or not a string");
            }
            JsonNode ts = root.get("ts");
            if (ts == null || !ts.canConvertToExactIntegral() || !ts.canConvertToLong()) {
                throw new BadEvent("\"ts\" is missing or not an integer");
            }
            JsonNode x = root.get("x");
            if (x == null || !x.isArray()) {
                throw new BadEvent("\"x\" is missing or not an array");
            }
            float[] features = new float[x.size()];
            for (int i = 0; i < features.length; i++) {
                if (!x.get(i).isNumber()) {
                    throw new BadEvent("\"x\"[" + i + "] is not a number: " + x.get(i));
                }
                features[i] = x.get(i).floatValue();
            }
            return new RnnEvent(key.asText(), ts.asLong(), features);
        }
    },
    CSV {
        @Override
        RnnEvent parse(byte[] value) throws BadEvent {
            String line = new String(value, StandardCharsets.UTF_8).strip();
            String[] cells = line.split(",", -1);
            if (cells.length < 3) {
                throw new BadEvent("expected key,ts,x0,..., got " + cells.length + " field(s)");
            }
            long ts;
            try {
                ts = Long.parseLong(cells[1].strip());
            } catch (NumberFormatException e) {
                throw new BadEvent("ts is not an integer: '" + cells[1] + "'");
            }
            float[] features = new float[cells.length - 2];
            for (int i = 0; i < features.length; i++) {
                try {
                    features[i] = Float.parseFloat(cells[i + 2].strip());
                } catch (NumberFormatException e) {
                    throw new BadEvent("x" + i + " is not a number: '" + cells[i + 2] + "'");
                }
            }
            return new RnnEvent(cells[0].strip(), ts, features);
        }
    };

    /** NaN and Infinity parse, so that EventValidator rejects them by name rather than as bad JSON. */
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    abstract RnnEvent parse(byte[] value) throws BadEvent;

    /** A record that is not an event of this format. */
    static final class BadEvent extends Exception {
        BadEvent(String reason) {
            super(reason);
        }
    }
}
