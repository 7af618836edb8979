package io.flinkrnn.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.metrics.prometheus.PrometheusReporterFactory;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * No Docker engine runs here, so the compose file is checked against the build instead: image tags
 * of the pinned Flink and Kafka, the jar and config paths the build writes, a config file that
 * {@link RunConfig} accepts with topics the compose file creates and the producer writes, and the
 * metrics path: Flink's Prometheus reporter, the Prometheus scraping it, and Grafana's dashboard of
 * the operator's metrics.
 */
class ComposeFileTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    private final JsonNode compose = read(ROOT.resolve("docker-compose.yml"));
    private final JsonNode services = compose.get("services");

    @Test
    void imagesArePinnedToTheBuildsFlinkAndKafka() {
        String flink = "flink:" + EnvironmentInformation.getVersion() + "-java17";
        for (String s : List.of("jobmanager", "taskmanager", "submitter")) {
            assertThat(services.get(s).get("image").asText()).as(s).isEqualTo(flink);
        }
        String kafka = "apache/kafka:" + AppInfoParser.getVersion();
        assertThat(services.get("kafka").get("image").asText()).isEqualTo(kafka);
        assertThat(services.get("kafka-init").get("image").asText()).isEqualTo(kafka);
    }

    @Test
    void theSubmitterRunsTheJobJarWithTheMountedConfig() throws Exception {
        JsonNode submitter = services.get("submitter");
        List<String> command = strings(submitter.get("command"));
        assertThat(command.subList(0, 6))
                .containsExactly(
                        "flink",
                        "run",
                        "-d",
                        "/opt/flink-rnn/flink-rnn-job.jar",
                        "--config",
                        "/opt/flink-rnn/flink-rnn.yaml");
        List<String> volumes = strings(submitter.get("volumes"));
        assertThat(volumes)
                .contains("./jobs/target/flink-rnn-job.jar:/opt/flink-rnn/flink-rnn-job.jar:ro")
                .contains("./docker/flink-rnn.yaml:/opt/flink-rnn/flink-rnn.yaml:ro")
                .contains("models:/models");
        // The jar names the compose file mounts are the ones jobs/pom.xml shades.
        String pom = Files.readString(ROOT.resolve("jobs/pom.xml"));
        assertThat(pom)
                .contains("${project.build.directory}/flink-rnn-job.jar", "${project.build.directory}/flink-rnn.jar");
        assertThat(pom).contains("<job.main>" + KafkaRnnJob.class.getName() + "</job.main>");
        assertThat(strings(services.get("producer").get("volumes")))
                .contains("./jobs/target/flink-rnn.jar:/opt/flink-rnn/flink-rnn.jar:ro");
        assertThat(compose.get("volumes").has("models")).isTrue();
    }

    @Test
    void theConfigFileIsValidAndItsTopicsExist() {
        Map<String, String> settings = ConfigFile.read(ROOT.resolve("docker/flink-rnn.yaml"));
        RunConfig run = RunConfig.of(settings);
        String topicsScript = strings(services.get("kafka-init").get("command")).get(0);
        for (String topic : List.of(
                run.get(RunOptions.TOPIC), run.get(RunOptions.OUTPUT_TOPIC), run.get(RunOptions.DEAD_LETTER_TOPIC))) {
            assertThat(topicsScript).as("kafka-init creates %s", topic).contains(topic);
        }
        List<String> producer = strings(services.get("producer").get("command"));
        assertThat(producer.get(producer.indexOf("--topic") + 1)).isEqualTo(run.get(RunOptions.TOPIC));
        assertThat(run.get(RunOptions.BOOTSTRAP_SERVERS)).isEqualTo("kafka:9092");
        assertThat(run.model().model()).startsWith("/models/");
    }

    /** What the operator registers in its flinkrnn group (README "Metrics"), as Prometheus names them. */
    private static final Set<String> OPERATOR_METRICS = Set.of(
            "events",
            "outputs",
            "rejects",
            "lateEvents",
            "modelSwaps",
            "modelSwapsRefused",
            "stepRows",
            "engineNanos",
            "bundleSize",
            "keysWithState",
            "keysCreated",
            "stateBytesPerKey",
            "eventsPerSecond",
            "latencyMillis",
            "model_version_modelInfo");

    @Test
    void prometheusScrapesFlinksReporterAndGrafanaShowsTheDashboard() throws IOException {
        String properties = services.get("jobmanager")
                .get("environment")
                .get("FLINK_PROPERTIES")
                .asText();
        assertThat(properties)
                .contains("metrics.reporter.prom.factory.class: " + PrometheusReporterFactory.class.getName());
        Matcher port = Pattern.compile("metrics.reporter.prom.port: (\\d+)").matcher(properties);
        assertThat(port.find()).as(properties).isTrue();

        // Every file compose mounts from the repository is there.
        services.properties().forEach(s -> strings(s.getValue().path("volumes")).stream()
                .filter(v -> v.startsWith("./") && !v.startsWith("./jobs/target/"))
                .forEach(v -> assertThat(ROOT.resolve(v.substring(2, v.indexOf(':'))))
                        .as("%s mounts %s", s.getKey(), v)
                        .exists()));

        JsonNode prometheus = read(ROOT.resolve("deploy/prometheus/prometheus.yml"));
        assertThat(strings(prometheus.at("/scrape_configs/0/static_configs/0/targets")))
                .containsExactlyInAnyOrder("jobmanager:" + port.group(1), "taskmanager:" + port.group(1));
        assertThat(strings(services.get("prometheus").get("volumes")))
                .contains("./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro");

        JsonNode datasource = read(ROOT.resolve("deploy/grafana/provisioning/datasources/prometheus.yaml"))
                .at("/datasources/0");
        assertThat(datasource.get("url").asText()).isEqualTo("http://prometheus:9090");
        String provided = read(ROOT.resolve("deploy/grafana/provisioning/dashboards/flink-rnn.yaml"))
                .at("/providers/0/options/path")
                .asText();
        assertThat(strings(services.get("grafana").get("volumes")))
                .contains("./deploy/grafana/provisioning:/etc/grafana/provisioning:ro")
                .contains("./deploy/grafana/flink-rnn-dashboard.json:" + provided + "/flink-rnn-dashboard.json:ro");

        JsonNode dashboard = new ObjectMapper()
                .readTree(
                        ROOT.resolve("deploy/grafana/flink-rnn-dashboard.json").toFile());
        List<String> titles = new ArrayList<>();
        Matcher metric = Pattern.compile("flink_taskmanager_job_task_operator_flinkrnn_(\\w+)")
                .matcher("");
        for (JsonNode panel : dashboard.get("panels")) {
            titles.add(panel.get("title").asText());
            assertThat(panel.at("/datasource/uid").asText())
                    .isEqualTo(datasource.get("uid").asText());
            for (JsonNode target : panel.get("targets")) {
                metric.reset(target.get("expr").asText());
                assertThat(metric.find()).as(target.toString()).isTrue();
                do {
                    assertThat(OPERATOR_METRICS).as(target.toString()).contains(metric.group(1));
                } while (metric.find());
            }
        }
        assertThat(titles)
                .contains("Throughput", "End-to-end latency", "Rejects and late events", "Model swaps", "State size");
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** SnakeYAML resolves the {@code <<: *flink} merge keys that compose files use; Jackson does not. */
    private static JsonNode read(Path file) {
        try {
            Object tree = new Yaml().load(Files.readString(file));
            return new ObjectMapper().valueToTree(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
