package io.flinkrnn.jobs.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SqlScriptTest {

    @Test
    void splitsAtSemicolonsOutsideQuotesAndComments() {
        String script =
                """
                -- a comment; not a statement
                CREATE TABLE t (`a;b` STRING) WITH ('k' = 'v;w', 'it''s' = 'x');

                SELECT "c;d" FROM t; -- trailing; comment
                ;
                INSERT INTO u SELECT * FROM t""";
        assertThat(SqlScript.statements(script))
                .containsExactly(
                        "CREATE TABLE t (`a;b` STRING) WITH ('k' = 'v;w', 'it''s' = 'x')",
                        "SELECT \"c;d\" FROM t",
                        "INSERT INTO u SELECT * FROM t");
    }

    @Test
    void fillsVariablesAndTheirDefaults() {
        String sql = "SELECT '${a}', '${b:-fallback}', '${c:-}' FROM t";
        assertThat(SqlScript.substitute(sql, Map.of("a", "given", "b", "over")))
                .isEqualTo("SELECT 'given', 'over', '' FROM t");
        assertThat(SqlScript.substitute(sql, Map.of("a", "$1\\\\")))
                .isEqualTo("SELECT '$1\\\\', 'fallback', '' FROM t");
    }

    @Test
    void aVariableWithNoValueNamesTheFlagThatGivesIt() {
        assertThatThrownBy(() -> SqlScript.substitute("SELECT '${model}'", Map.of()))
                .hasMessage("the script uses ${model}: give it with --var model=VALUE");
    }

    @Test
    void readsSetStatements() {
        assertThat(SqlScript.setting("set 'execution.checkpointing.interval' = '10 s'"))
                .isEqualTo(Map.entry("execution.checkpointing.interval", "10 s"));
        assertThat(SqlScript.setting("SELECT 'SET'")).isNull();
    }
}
