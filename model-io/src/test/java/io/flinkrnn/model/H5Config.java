package io.flinkrnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The {@code model_config} attribute of a real full-model {@code .h5}, edited in place: Keras writes
 * it as one fixed-length string with Python's {@code ", "} and {@code ": "} separators, so an edited
 * config written compactly fits in the same bytes, padded with spaces (valid trailing JSON
 * whitespace), and the HDF5 structure around it stays exactly as Keras wrote it.
 */
final class H5Config {

    private static final ObjectMapper JSON = new ObjectMapper();

    private H5Config() {}

    /** Where the config text sits in the file: {@code [start, length]}. */
    static int[] span(byte[] h5) {
        byte[] needle = "{\"class_name\": \"".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + needle.length < h5.length; i++) {
            if (Arrays.equals(h5, i, i + needle.length, needle, 0, needle.length)) {
                int depth = 0;
                for (int j = i; j < h5.length; j++) {
                    depth += h5[j] == '{' ? 1 : h5[j] == '}' ? -1 : 0;
                    if (depth == 0) {
                        return new int[] {i, j + 1 - i};
                    }
                }
            }
        }
        throw new IllegalStateException("no model_config text in the .h5 file");
    }

    static JsonNode read(byte[] h5) {
        int[] s = span(h5);
        try {
            return JSON.readTree(Arrays.copyOfRange(h5, s[0], s[0] + s[1]));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] write(byte[] h5, JsonNode config) {
        int[] s = span(h5);
        byte[] text;
        try {
            text = JSON.writeValueAsBytes(config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (text.length > s[1]) {
            throw new IllegalArgumentException("the edited config is " + text.length + " bytes, the attribute " + s[1]);
        }
        byte[] out = h5.clone();
        Arrays.fill(out, s[0], s[0] + s[1], (byte) ' ');
        System.arraycopy(text, 0, out, s[0], text.length);
        return out;
    }
}
