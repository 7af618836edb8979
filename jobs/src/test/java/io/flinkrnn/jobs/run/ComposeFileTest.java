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
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * No Docker engine runs here, so the compose file is checked against the build instead: image tags
 * of the pinned Flink and Kafka, the jar and config paths the build writes, and a config file that
 * {@link RunConfig} accepts with topics the compose file creates and the producer writes.
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
