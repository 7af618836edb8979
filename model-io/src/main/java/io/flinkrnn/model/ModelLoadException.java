package io.flinkrnn.model;

/**
 * A Keras file that model-io cannot turn into a {@code ModelSpec}. The message is one line naming
 * the file, the layer, weight or field concerned and what is wrong, so that a command line can print
 * it as it is, without a stack trace.
 */
public final class ModelLoadException extends RuntimeException {

    public ModelLoadException(String message) {
        super(oneLine(message));
    }

    public ModelLoadException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
