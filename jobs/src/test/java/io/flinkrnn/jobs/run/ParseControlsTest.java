package io.flinkrnn.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkrnn.operators.Control;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ParseControlsTest {

    private static Control parse(String json) throws ParseControls.BadControl {
        return ParseControls.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyControlKindParses() throws Exception {
        assertThat(parse("{\"control\": \"reset\", \"key\": \"sensor-7\"}")).isEqualTo(Control.resetKey("sensor-7"));
        assertThat(parse("{\"control\": \"reset-all\"}")).isEqualTo(Control.resetAll());
        assertThat(parse("{\"control\": \"forecast\", \"key\": \"s\", \"horizon\": 12}"))
                .isEqualTo(Control.forecast("s", 12));
        assertThat(parse("{\"control\": \"swap\", \"version\": \"v2\"}")).isEqualTo(Control.swapModel("v2"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"control\": \"reset\"                          | not JSON",
                "[1]                                              | not a JSON object",
                "{\"key\": \"s\"}                                 | \"control\" is missing or not a string",
                "{\"control\": \"explode\"}                       | \"control\" is 'explode'; expected reset, reset-all, forecast or swap",
                "{\"control\": \"reset\", \"key\": 7}             | \"key\" is missing or not a string",
                "{\"control\": \"forecast\", \"key\": \"s\"}      | \"horizon\" is missing or not an integer",
                "{\"control\": \"forecast\", \"key\": \"s\", \"horizon\": 1.5} | \"horizon\" is missing or not an integer",
                "{\"control\": \"swap\"}                          | \"version\" is missing or not a string"
            })
    void aRecordThatIsNoControlSaysWhy(String record, String reason) {
        assertThatThrownBy(() -> parse(record))
                .isInstanceOf(ParseControls.BadControl.class)
                .hasMessageStartingWith(reason);
    }

    @Test
    void aTombstoneIsNoControl() {
        assertThatThrownBy(() -> ParseControls.parse(null)).hasMessage("tombstone: the record has no value");
    }
}
