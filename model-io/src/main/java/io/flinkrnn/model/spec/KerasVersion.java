package io.flinkrnn.model.spec;

/** The Keras version that wrote a file, e.g. {@code 2.21.0} or {@code 3.15.1}. */
public record KerasVersion(int major, String full) {

    public static KerasVersion parse(String version) {
        String v = version == null ? "" : version.trim();
        int dot = v.indexOf('.');
        try {
            return new KerasVersion(Integer.parseInt(dot < 0 ? v : v.substring(0, dot)), v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a Keras version: '" + version + "'");
        }
    }

    @Override
    public String toString() {
        return full;
    }
}
