package io.flinkrnn.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkrnn.jobs.FreePorts;
import io.flinkrnn.jobs.cli.FlinkRnnCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** The README's first command, small: it runs, reports, and the bundled model finds the spikes. */
class DemoCommandTest {

    @Test
    void demoServesEveryEventAndFlagsTheInjectedSpikes() {
        StringWriter out = new StringWriter();
        CommandLine cli = FlinkRnnCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(new StringWriter(), true));

        assertThat(cli.execute("demo", "--keys", "20", "--events", "20000", "--no-web-ui"))
                .isZero();

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

    /**
     * With 8081 taken (held here, or by someone else), the demo says so in one line, serves Flink's
     * web UI on another port, prints that URL before anything else, and its REST API lists the job
     * while it runs; with --prometheus-port the operator's metrics are there to scrape.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void demoPrintsTheWebUiUrlFirstAndItsRestApiShowsTheRunningJob() throws Exception {
        StringWriter out = new StringWriter();
        CommandLine cli = FlinkRnnCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        int prometheus = FreePorts.one();
        try (ServerSocket held = holdIfFree(8081)) {
            // 15 s of events at 2,000 a second: the job is still running while the test looks at it.
            CompletableFuture<Integer> demo = CompletableFuture.supplyAsync(() -> cli.execute(
                    "demo",
                    "--keys",
                    "10",
                    "--events",
                    "30000",
                    "--rate",
                    "2000",
                    "--prometheus-port",
                    String.valueOf(prometheus)));

            Matcher url = awaitMatch(out, Pattern.compile("Flink web UI: (http://localhost:(\\d+))"), demo);
            String text = out.toString();
            assertThat(text).startsWith("port 8081 is taken");
            assertThat(text.lines().skip(1).findFirst().orElseThrow()).startsWith("Flink web UI: ");
            assertThat(Integer.parseInt(url.group(2))).isNotEqualTo(8081);

            HttpClient http = HttpClient.newHttpClient();
            JsonNode running = awaitRunningJob(http, url.group(1), demo);
            assertThat(running.path("name").asText()).isEqualTo("flink-rnn demo");
            assertThat(get(http, url.group(1) + "/")).contains("<title>Apache Flink Web Dashboard</title>");
            String scrape = awaitScrape(
                    http, "http://localhost:" + prometheus + "/metrics", "flinkrnn_model_version_modelInfo{");
            assertThat(scrape)
                    .contains("flink_taskmanager_job_task_operator_flinkrnn_events{")
                    .contains("flink_taskmanager_job_task_operator_flinkrnn_model_version_modelInfo{");
            assertThat(demo.get(2, TimeUnit.MINUTES)).isZero();
        }
    }

    @Test
    void aWebUiPortThatIsTakenIsAOneLineError() throws IOException {
        StringWriter err = new StringWriter();
        CommandLine cli = FlinkRnnCli.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertThat(cli.execute("demo", "--web-ui-port", String.valueOf(port)))
                    .isNotZero();
            assertThat(err.toString().strip())
                    .startsWith("error: --web-ui-port " + port + ": not a free port on localhost")
                    .doesNotContain("\n");
        }
    }

    private static ServerSocket holdIfFree(int port) {
        try {
            return new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
        } catch (IOException taken) {
            return null;
        }
    }

    private static Matcher awaitMatch(StringWriter out, Pattern pattern, CompletableFuture<Integer> demo)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Matcher m = pattern.matcher(out.toString());
            if (m.find()) {
                return m;
            }
            assertThat(demo)
                    .as("the demo ended before printing %s:%n%s", pattern, out)
                    .isNotDone();
            Thread.sleep(50);
        }
        throw new AssertionError("no " + pattern + " within 60 s:\n" + out);
    }

    /** Polls {@code /jobs/overview} until it lists a RUNNING job. */
    private static JsonNode awaitRunningJob(HttpClient http, String base, CompletableFuture<Integer> demo)
            throws Exception {
        ObjectMapper json = new ObjectMapper();
        String last = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            assertThat(demo)
                    .as("the demo ended before its job was seen running")
                    .isNotDone();
            try {
                last = get(http, base + "/jobs/overview");
                for (JsonNode job : json.readTree(last).path("jobs")) {
                    if ("RUNNING".equals(job.path("state").asText())) {
                        return job;
                    }
                }
            } catch (IOException notUpYet) {
                last = notUpYet.toString();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no RUNNING job in " + base + "/jobs/overview within 60 s; last answer: " + last);
    }

    /** Scrapes {@code url} until it holds {@code metric}: the operators register theirs once the tasks run. */
    private static String awaitScrape(HttpClient http, String url, String metric) throws Exception {
        String last = "";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && !last.contains(metric)) {
            Thread.sleep(200);
            last = get(http, url);
        }
        return last;
    }

    private static String get(HttpClient http, String url) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + url + " -> " + r.statusCode());
        }
        return r.body();
    }
}
