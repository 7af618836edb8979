package io.flinkrnn.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkrnn.operators.RnnEvent;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventFormatTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void parsesJsonEvents() throws Exception {
        RnnEvent e = EventFormat.JSON.parse(bytes("{\"key\": \"sensor-007\", \"ts\": 42, \"x\": [0.25, -1.5e-3, 3]}"));
        assertThat(e.key()).isEqualTo("sensor-007");
        assertThat(e.timestamp()).isEqualTo(42);
        assertThat(e.features()).containsExactly(0.25f, -1.5e-3f, 3f);
    }

    @Test
    void parsesCsvEvents() throws Exception {
        RnnEvent e = EventFormat.CSV.parse(bytes("k1, 7, 0.5,-2\n"));
        assertThat(e.key()).isEqualTo("k1");
        assertThat(e.timestamp()).isEqualTo(7);
        assertThat(e.features()).containsExactly(0.5f, -2f);
    }

    @Test
    void nanParsesSoThatTheValidatorNamesIt() throws Exception {
        assertThat(EventFormat.JSON.parse(bytes("{\"key\":\"k\",\"ts\":1,\"x\":[NaN]}"))
                        .features()[0])
                .isNaN();
        assertThat(EventFormat.CSV.parse(bytes("k,1,NaN")).features()[0]).isNaN();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "JSON | {\"key\": \"k\", \"ts\": 1, \"x\": [1, 2]       | not JSON",
                "JSON | [1, 2, 3]                                      | not a JSON object",
                "JSON | {\"key\": 5, \"ts\": 1, \"x\": [1]}            | \"key\" is missing or not a string",
                "JSON | {\"key\": \"k\", \"ts\": 1.5, \"x\": [1]}      | \"ts\" is missing or not an integer",
                "JSON | {\"key\": \"k\", \"ts\": 1, \"x\": 1}          | \"x\" is missing or not an array",
                "JSON | {\"key\": \"k\", \"ts\": 1, \"x\": [1, \"a\"]} | \"x\"[1] is not a number: \"a\"",
                "CSV  | k,1                                            | expected key,ts,x0,..., got 2 field(s)",
                "CSV  | k,soon,1                                       | ts is not an integer: 'soon'",
                "CSV  | k,1,1,two                                      | x1 is not a number: 'two'"
            })
    void malformedRecordsSayWhy(EventFormat format, String record, String reason) {
        assertThatThrownBy(() -> format.parse(bytes(record)))
                .isInstanceOf(EventFormat.BadEvent.class)
                .hasMessageStartingWith(reason);
    }

    @Test
    void emptyRecordIsNotAnEvent() {
        assertThatThrownBy(() -> EventFormat.JSON.parse(new byte[0])).isInstanceOf(EventFormat.BadEvent.class);
    }
}
