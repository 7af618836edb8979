package io.flinkrnn.jobs.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkrnn.operators.Control;
import java.io.IOException;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Turns records of the control topic into {@link Control} events: {@code {"control": "reset", "key":
 * "sensor-7"}}, {@code {"control": "reset-all"}}, {@code {"control": "forecast", "key": "sensor-7",
 * "horizon": 12}} or {@code {"control": "swap", "version": "v2"}}. A record that is none of these
 * is a dead letter of stage {@code control} with its reason and bytes; a control is input too, and
 * never fails the job. Whether a horizon is in range is the operator's call (a reject with its reason).
 */
final class ParseControls extends ProcessFunction<KafkaPayload, Control> {

    @Override
    public void processElement(KafkaPayload record, Context ctx, Collector<Control> out) {
        try {
            out.collect(parse(record.value()));
        } catch (BadControl e) {
            ctx.output(ParseEvents.DEAD_LETTERS, DeadLetter.control(record, e.getMessage()));
        }
    }

    static Control parse(byte[] value) throws BadControl {
        if (value == null) {
            throw new BadControl("tombstone: the record has no value");
        }
        JsonNode root;
        try {
            root = PredictionRecords.JSON.readTree(value);
        } catch (IOException e) {
            throw new BadControl(
                    "not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw new BadControl("not a JSON object");
        }
        String kind = text(root, "control");
        return switch (kind) {
            case "reset" -> Control.resetKey(text(root, "key"));
            case "reset-all" -> Control.resetAll();
            case "forecast" -> Control.forecast(text(root, "key"), horizon(root));
            case "swap" -> Control.swapModel(text(root, "version"));
            default -> throw new BadControl(
                    "\"control\" is '" + kind + "'; expected reset, reset-all, forecast or swap");
        };
    }

    private static String text(JsonNode root, String field) throws BadControl {
        JsonNode node = root.get(field);
        if (node == null || !node.isTextual() || node.asText().isEmpty()) {
            throw new BadControl("\"" + field + "\" is missing or not a string");
        }
        return node.asText();
    }

    private static int horizon(JsonNode root) throws BadControl {
        JsonNode node = root.get("horizon");
        if (node == null || !node.canConvertToExactIntegral() || !node.canConvertToInt()) {
            throw new BadControl("\"horizon\" is missing or not an integer");
        }
        return node.asInt();
    }

    /** A record that is not a control. */
    static final class BadControl extends Exception {
        BadControl(String reason) {
            super(reason);
        }
    }
}
