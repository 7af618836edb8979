package io.flinkrnn.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/** Jackson set up for model configs: bounded nesting and string sizes, one-line errors. */
final class Json {

    /** Larger than any Keras config; a config hits it only if it is not one. */
    static final int MAX_CONFIG_CHARS = 16 << 20;

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    static {
        MAPPER.getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(200)
                        .maxStringLength(MAX_CONFIG_CHARS)
                        .maxDocumentLength(MAX_CONFIG_CHARS)
                        .build());
    }

    private Json() {}

    static JsonNode parse(byte[] bytes, String display) {
        try {
            JsonNode n = MAPPER.readTree(bytes);
            if (n == null || n.isMissingNode()) {
                throw new ModelLoadException(display + ": is empty, expected JSON");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new ModelLoadException(
                    display + ": not valid JSON (" + e.getOriginalMessage() + ", line "
                            + (e.getLocation() == null ? "?" : e.getLocation().getLineNr()) + ")",
                    e);
        } catch (IOException e) {
            throw new ModelLoadException(display + ": cannot be read (" + H5File.reason(e) + ")", e);
        }
    }
}
