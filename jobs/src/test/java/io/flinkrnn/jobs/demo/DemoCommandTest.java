package io.flinkrnn.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.jobs.cli.FlinkRnnCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The README's first command, small: it runs, reports, and the bundled model finds the spikes. */
class DemoCommandTest {

    @Test
    void demoServesEveryEventAndFlagsTheInjectedSpikes() {
        StringWriter out = new StringWriter();
        CommandLine cli = FlinkRnnCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(new StringWriter(), true));

        assertThat(cli.execute("demo", "--keys", "20", "--events", "20000")).isZero();

        String text = out.toString();
        assertThat(text).contains("flink-rnn demo: 20 sensors, 20,000 events");
        assertThat(text)
                .containsPattern("sensor-00\\d step +\\d+ +reading [+-]\\d\\.\\d{3} +forecast [+-]\\d\\.\\d{3}");
        Matcher done = Pattern.compile(
                        "done: 20,000 events from 20 sensors .* (\\d+) readings flagged, (\\d+) of the (\\d+) injected spikes")
                .matcher(text);
        assertThat(done.find()).as(text).isTrue();
        int flagged = Integer.parseInt(done.group(1));
        int caught = Integer.parseInt(done.group(2));
        int injected = Integer.parseInt(done.group(3));
        assertThat(injected).isPositive();
        // The model forecasts well enough that spikes stand out and little else does.
        assertThat(caught).isGreaterThanOrEqualTo(injected * 9 / 10);
        assertThat(flagged).isLessThanOrEqualTo(caught + injected / 10 + 1);
    }
}
