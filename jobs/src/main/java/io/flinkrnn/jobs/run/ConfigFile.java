package io.flinkrnn.jobs.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Reads a job config file into flat Flink keys. YAML may nest ({@code flink-rnn: {kafka: {topic: x}}})
 * or use flat keys, as Flink's own config.yaml does; {@code .properties} files are flat.
 */
final class ConfigFile {

    private ConfigFile() {}

    static Map<String, String> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("config file " + file + " does not exist");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        try {
            if (name.endsWith(".yaml") || name.endsWith(".yml")) {
                return yaml(file);
            }
            if (name.endsWith(".properties")) {
                return properties(file);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + firstLine(e.getMessage()), e);
        }
        throw new IllegalArgumentException("config file " + file + " must end in .yaml, .yml or .properties");
    }

    private static Map<String, String> yaml(Path file) throws IOException {
        JsonNode root = new YAMLMapper().readTree(file.toFile());
        Map<String, String> out = new LinkedHashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return out;
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException("config file " + file + " must be a YAML mapping of keys to values");
        }
        flatten("", root, out, file);
        return out;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out, Path file) {
        if (node.isObject()) {
            node.properties()
                    .forEach(e -> flatten(
                            prefix + e.getKey() + (e.getValue().isObject() ? "." : ""), e.getValue(), out, file));
        } else if (node.isArray()) {
            // Flink writes list values as a;b;c.
            List<String> items = new ArrayList<>();
            node.forEach(item -> items.add(item.asText()));
            out.put(prefix, String.join(";", items));
        } else if (node.isNull()) {
            throw new IllegalArgumentException("option '" + prefix + "' in " + file + " has no value");
        } else {
            out.put(prefix, node.asText());
        }
    }

    private static Map<String, String> properties(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        }
        Map<String, String> out = new LinkedHashMap<>();
        p.stringPropertyNames().stream()
                .sorted()
                .forEach(k -> out.put(k, p.getProperty(k).trim()));
        return out;
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }
}
