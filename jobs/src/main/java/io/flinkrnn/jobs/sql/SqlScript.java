package io.flinkrnn.jobs.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A SQL script as statements: {@code ${name}} and {@code ${name:-default}} filled from {@code --var
 * name=value}, then split at each {@code ;} outside quotes and comments.
 */
final class SqlScript {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    /** {@code SET 'key' = 'value'}, which the SQL Client takes and a table environment does not. */
    private static final Pattern SET = Pattern.compile("SET\\s+'([^']+)'\\s*=\\s*'([^']*)'", Pattern.CASE_INSENSITIVE);

    private SqlScript() {}

    /** The key and value of a {@code SET 'key' = 'value'} statement, or {@code null} for any other. */
    static Map.Entry<String, String> setting(String statement) {
        Matcher m = SET.matcher(statement);
        return m.matches() ? Map.entry(m.group(1), m.group(2)) : null;
    }

    /** @throws IllegalArgumentException naming a variable that is neither given nor defaulted */
    static String substitute(String script, Map<String, String> vars) {
        Matcher m = VARIABLE.matcher(script);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = vars.getOrDefault(m.group(1), m.group(2));
            if (value == null) {
                throw new IllegalArgumentException(
                        "the script uses ${" + m.group(1) + "}: give it with --var " + m.group(1) + "=VALUE");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The script's statements, each without its {@code ;}, blank ones left out. */
    static List<String> statements(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int i = 0;
        while (i < script.length()) {
            char c = script.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                int end = script.indexOf(c, i + 1);
                // Doubled quotes ('it''s') are two quoted runs side by side: the loop joins them.
                end = end < 0 ? script.length() - 1 : end;
                current.append(script, i, end + 1);
                i = end + 1;
            } else if (script.startsWith("--", i)) {
                int end = script.indexOf('\n', i);
                i = end < 0 ? script.length() : end;
            } else if (c == ';') {
                add(statements, current);
                i++;
            } else {
                current.append(c);
                i++;
            }
        }
        add(statements, current);
        return statements;
    }

    private static void add(List<String> statements, StringBuilder statement) {
        if (!statement.toString().isBlank()) {
            statements.add(statement.toString().trim());
        }
        statement.setLength(0);
    }
}
