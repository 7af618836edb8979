package io.flinkrnn.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ErfTest {

    /** Reference values from Abramowitz and Stegun / NIST DLMF tables, to 16 digits. */
    @ParameterizedTest
    @CsvSource({
        "0, 0",
        "0.1, 0.1124629160182849",
        "0.5, 0.5204998778130465",
        "1, 0.8427007929497149",
        "-1.5, -0.9661051464753108",
        "2, 0.9953222650189527",
        "2.9, 0.9999589021219005",
        "3, 0.9999779095030014",
        "3.5, 0.9999992569016276",
        "5, 0.9999999999984626"
    })
    void matchesTables(double x, double erf) {
        assertThat(Erf.erf(x)).isCloseTo(erf, within(1e-13));
    }
}
