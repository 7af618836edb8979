package io.flinkrnn.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/** Jackson set up for model configs: length and nesting bounded by {@link LoadLimits}, one-line errors. */
final class Json {

    private Json() {}

    static JsonNode parse(byte[] bytes, String display, LoadLimits limits) {
        if (bytes.length > limits.maxConfigBytes()) {
            throw new ModelLoadException(display + ": " + bytes.length + " bytes of config, more than "
                    + LoadLimits.limit("maxConfigBytes", limits.maxConfigBytes()));
        }
        // The constraints live on the factory; a mapper per config costs far less than the parse.
        ObjectMapper mapper = new ObjectMapper(JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(limits.maxJsonDepth())
                        .maxStringLength((int) limits.maxConfigBytes())
                        .maxDocumentLength(limits.maxConfigBytes())
                        .build())
                .build());
        try {
            JsonNode n = mapper.readTree(bytes);
            if (n == null || n.isMissingNode()) {
                throw new ModelLoadException(display + ": is empty, expected JSON");
            }
            return n;
        } catch (StreamConstraintsException e) {
            String what = e.getOriginalMessage().contains("nesting depth")
                    ? "nests deeper than " + LoadLimits.limit("maxJsonDepth", limits.maxJsonDepth())
                    : "exceeds a JSON parser bound (" + e.getOriginalMessage() + ")";
            throw new ModelLoadException(display + ": " + what, e);
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
