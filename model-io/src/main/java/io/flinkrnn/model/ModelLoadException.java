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

    /** Messages quote config values, which a hostile file can make megabytes long. */
    static final int MAX_LENGTH = 1_000;

    static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        String line = s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
        return line.length() <= MAX_LENGTH
                ? line
                : line.substring(0, MAX_LENGTH) + "... (" + (line.length() - MAX_LENGTH) + " more characters)";
    }
}
