package io.flinkrnn.jobs.run;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigConstants;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * No Kubernetes runs here and the operator's API classes are not on Maven Central, so the manifests
 * under deploy/kubernetes/ are checked the way the operator and the job would read them: every
 * field against the CRD reference of the Flink Kubernetes Operator 1.15 (docs/content/docs/
 * custom-resource/reference.md of its release-1.15.0 tag), an unknown field being an error as it is
 * for Kubernetes' schema validation, and the job's side against the build: Flink version and image,
 * jar path and main class, every flink-rnn.* key and argument as `flink-rnn run` parses them.
 */
class KubernetesManifestsTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path DIR = ROOT.resolve("deploy/kubernetes");
    private static final String CRD_API = "flink.apache.org/v1beta1";

    /** The operator's documented fields, type by type; "PodTemplateSpec" is Kubernetes' own, left to it. */
    private static final Map<String, Map<String, String>> CRD = Map.ofEntries(
            entry(
                    "FlinkDeployment",
                    Map.of(
                            "apiVersion",
                            "string",
                            "kind",
                            "string",
                            "metadata",
                            "ObjectMeta",
                            "spec",
                            "FlinkDeploymentSpec")),
            entry(
                    "FlinkSessionJob",
                    Map.of(
                            "apiVersion",
                            "string",
                            "kind",
                            "string",
                            "metadata",
                            "ObjectMeta",
                            "spec",
                            "FlinkSessionJobSpec")),
            entry("ObjectMeta", Map.of("name", "string", "namespace", "string", "labels", "map", "annotations", "map")),
            entry(
                    "FlinkDeploymentSpec",
                    Map.ofEntries(
                            entry("job", "JobSpec"),
                            entry("restartNonce", "long"),
                            entry("flinkConfiguration", "map"),
                            entry("image", "string"),
                            entry("imagePullPolicy", "string"),
                            entry("serviceAccount", "string"),
                            entry("flinkVersion", "FlinkVersion"),
                            entry("ingress", "IngressSpec"),
                            entry("podTemplate", "PodTemplateSpec"),
                            entry("jobManager", "JobManagerSpec"),
                            entry("taskManager", "TaskManagerSpec"),
                            entry("logConfiguration", "map"),
                            entry("mode", "KubernetesDeploymentMode"))),
            entry(
                    "FlinkSessionJobSpec",
                    Map.of(
                            "job",
                            "JobSpec",
                            "restartNonce",
                            "long",
                            "flinkConfiguration",
                            "map",
                            "deploymentName",
                            "string")),
            entry(
                    "JobSpec",
                    Map.ofEntries(
                            entry("jarURI", "string"),
                            entry("parallelism", "int"),
                            entry("entryClass", "string"),
                            entry("args", "list"),
                            entry("state", "JobState"),
                            entry("savepointTriggerNonce", "long"),
                            entry("initialSavepointPath", "string"),
                            entry("checkpointTriggerNonce", "long"),
                            entry("upgradeMode", "UpgradeMode"),
                            entry("allowNonRestoredState", "boolean"),
                            entry("savepointRedeployNonce", "long"),
                            entry("autoscalerResetNonce", "long"))),
            entry(
                    "JobManagerSpec",
                    Map.of("resource", "Resource", "replicas", "int", "podTemplate", "PodTemplateSpec")),
            entry(
                    "TaskManagerSpec",
                    Map.of("resource", "Resource", "replicas", "int", "podTemplate", "PodTemplateSpec")),
            entry("Resource", Map.of("cpu", "number", "memory", "string", "ephemeralStorage", "string")),
            entry(
                    "IngressSpec",
                    Map.of(
                            "template",
                            "string",
                            "className",
                            "string",
                            "annotations",
                            "map",
                            "labels",
                            "map",
                            "tls",
                            "list")));

    private static final Map<String, Set<String>> ENUMS = Map.of(
            "FlinkVersion",
            Set.of("v1_17", "v1_18", "v1_19", "v1_20", "v2_0", "v2_1", "v2_2", "v2_3", "v2_4"),
            "JobState",
            Set.of("running", "suspended"),
            "UpgradeMode",
            Set.of("savepoint", "last-state", "stateless"),
            "KubernetesDeploymentMode",
            Set.of("native", "standalone"));

    /** Flink's option classes whose keys a FlinkDeployment here may set. */
    private static final Class<?>[] FLINK_OPTIONS = {
        CoreOptions.class,
        CheckpointingOptions.class,
        StateBackendOptions.class,
        HighAvailabilityOptions.class,
        JobManagerOptions.class,
        TaskManagerOptions.class
    };

    private static final String FLINK_IMAGE = "flink:" + EnvironmentInformation.getVersion() + "-java17";

    private final List<Manifest> manifests = readAll();

    @TempDir
    Path tmp;

    private record Manifest(String file, JsonNode doc) {
        String kind() {
            return doc.path("kind").asText();
        }

        String name() {
            return doc.path("metadata").path("name").asText();
        }

        String where() {
            return file + " (" + kind() + " " + name() + ")";
        }
    }

    @Test
    void everyManifestHasOnlyFieldsTheOperatorDocuments() {
        assertThat(manifests)
                .extracting(Manifest::kind)
                .contains("FlinkDeployment", "FlinkSessionJob", "ConfigMap", "Service");
        for (Manifest m : manifests) {
            assertThat(m.name()).as("metadata.name of %s", m.where()).isNotEmpty();
            switch (m.kind()) {
                case "FlinkDeployment", "FlinkSessionJob" -> {
                    assertThat(m.doc().path("apiVersion").asText())
                            .as(m.where())
                            .isEqualTo(CRD_API);
                    checkFields(m.doc(), m.kind(), m.where());
                }
                case "ConfigMap", "Service" -> assertThat(
                                m.doc().path("apiVersion").asText())
                        .as(m.where())
                        .isEqualTo("v1");
                default -> throw new AssertionError(m.where() + ": a kind this test does not know");
            }
        }
    }

    @Test
    void deploymentsRunTheBuildsFlinkWithRocksDbSharedCheckpointsAndSavepointUpgrades() throws IOException {
        String flinkVersion = EnvironmentInformation.getVersion();
        String crdVersion =
                "v" + flinkVersion.substring(0, flinkVersion.lastIndexOf('.')).replace('.', '_');
        String checkpoints = runConfig().get(CheckpointingOptions.CHECKPOINTS_DIRECTORY);
        Set<String> known = flinkKeys();
        for (Manifest m : of("FlinkDeployment")) {
            JsonNode spec = m.doc().path("spec");
            assertThat(spec.path("flinkVersion").asText()).as(m.where()).isEqualTo(crdVersion);
            JsonNode conf = spec.path("flinkConfiguration");
            conf.fieldNames().forEachRemaining(key -> assertThat(known.contains(key) || isReporterKey(key))
                    .as("%s: flinkConfiguration key %s is no Flink option", m.where(), key)
                    .isTrue());
            assertThat(conf.path("state.backend.type").asText()).as(m.where()).isEqualTo("rocksdb");
            assertThat(conf.path("execution.checkpointing.dir").asText())
                    .as("%s checkpoints where run.yaml puts them", m.where())
                    .isEqualTo(checkpoints);
            assertThat(conf.path("execution.checkpointing.savepoint-dir").asText())
                    .as("%s: savepoints on storage every pod reaches", m.where())
                    .startsWith("s3://");
            assertThat(checkpoints).startsWith("s3://");
            assertThat(conf.path("metrics.reporter.prom.factory.class").asText())
                    .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            assertThat(podEnv(spec, "ENABLE_BUILT_IN_PLUGINS"))
                    .as("%s: the S3 plugin of the image's Flink", m.where())
                    .isEqualTo("flink-s3-fs-presto-" + flinkVersion + ".jar");
        }
        Manifest app = application();
        assertThat(app.doc().path("spec").path("image").asText()).startsWith("flink-rnn:");
        List<String> dockerfile = Files.readAllLines(DIR.resolve("Dockerfile"));
        assertThat(dockerfile).contains("FROM " + FLINK_IMAGE);
        String jar = app.doc().path("spec").path("job").path("jarURI").asText();
        assertThat(jar).startsWith("local://");
        assertThat(dockerfile)
                .as("the image holds the jar where jarURI points")
                .contains(
                        "COPY --chown=flink:flink jobs/target/flink-rnn-job.jar " + jar.substring("local://".length()));
        for (Manifest m : of("FlinkDeployment")) {
            if (!m.doc().path("spec").has("job")) {
                assertThat(m.doc().path("spec").path("image").asText())
                        .as(m.where())
                        .isEqualTo(FLINK_IMAGE);
            }
        }
    }

    @Test
    void jobsRunTheKafkaJobJarWithArgumentsAndConfigThatFlinkRnnRunAccepts() throws Exception {
        String pom = Files.readString(ROOT.resolve("jobs/pom.xml"));
        assertThat(pom)
                .contains("${project.build.directory}/flink-rnn-job.jar")
                .contains("<job.main>" + KafkaRnnJob.class.getName() + "</job.main>");
        List<Manifest> jobs = Stream.concat(of("FlinkDeployment").stream(), of("FlinkSessionJob").stream())
                .filter(m -> m.doc().path("spec").has("job"))
                .toList();
        assertThat(jobs).extracting(Manifest::kind).containsExactlyInAnyOrder("FlinkDeployment", "FlinkSessionJob");
        for (Manifest m : jobs) {
            JsonNode job = m.doc().path("spec").path("job");
            assertThat(job.path("jarURI").asText()).as(m.where()).endsWith("/flink-rnn-job.jar");
            assertThat(job.path("entryClass").asText()).as(m.where()).isEqualTo(KafkaRnnJob.class.getName());
            assertThat(job.path("upgradeMode").asText()).as(m.where()).isEqualTo("savepoint");
            assertThat(job.path("parallelism").asInt()).as(m.where()).isPositive();

            List<String> args = new ArrayList<>();
            job.path("args").forEach(a -> args.add(a.asText()));
            String configPath = args.get(args.indexOf("--config") + 1);
            assertThat(configPath)
                    .as("%s: --config is run.yaml of the mounted ConfigMap", m.where())
                    .isEqualTo(configMountPath(podTemplateOf(m)) + "/run.yaml");
            args.set(args.indexOf("--config") + 1, writeRunYaml().toString());
            RunCommand run = new RunCommand();
            new CommandLine(run).parseArgs(args.toArray(String[]::new));
            RunConfig config = RunConfig.of(run.settings());
            assertThat(config.get(RunOptions.MODEL_STORE)).startsWith("s3://");
            assertThat(config.get(RunOptions.MODEL_VERSION)).as(m.where()).isNotEmpty();
        }
        Manifest session = of("FlinkSessionJob").get(0);
        String target = session.doc().path("spec").path("deploymentName").asText();
        assertThat(of("FlinkDeployment")).as("the session cluster %s", target).anySatisfy(d -> {
            assertThat(d.name()).isEqualTo(target);
            assertThat(d.doc().path("spec").has("job")).isFalse();
        });
    }

    @Test
    void runYamlNamesTheKafkaServiceAndOnlyKeysTheBuildKnows() throws IOException {
        Map<String, String> settings = ConfigFile.read(writeRunYaml());
        RunConfig.requireKnown(settings, "run.yaml of flink-rnn-config.yaml");
        assertThat(settings.keySet())
                .as("the model version is a job argument, so that changing it is a savepoint upgrade")
                .doesNotContain(RunOptions.MODEL_VERSION.key());
        Manifest kafka = of("Service").get(0);
        String port = kafka.doc().path("spec").path("ports").get(0).path("port").asText();
        assertThat(settings.get(RunOptions.BOOTSTRAP_SERVERS.key())).isEqualTo(kafka.name() + ":" + port);
        assertThat(kafka.doc().path("spec").path("type").asText()).isEqualTo("ExternalName");
    }

    private static boolean isReporterKey(String key) {
        // metrics.reporter.<name>.<option>: the reporter's factory class and the Prometheus reporter's port.
        String[] parts = key.split("\\.");
        return parts.length >= 4
                && key.startsWith(ConfigConstants.METRICS_REPORTER_PREFIX)
                && Set.of("factory.class", "port")
                        .contains(String.join(".", List.of(parts).subList(3, parts.length)));
    }

    private void checkFields(JsonNode node, String type, String path) {
        if (ENUMS.containsKey(type)) {
            assertThat(ENUMS.get(type)).as("%s: a %s", path, type).contains(node.asText());
            return;
        }
        switch (type) {
            case "string" -> assertThat(node.isTextual())
                    .as("%s is a string", path)
                    .isTrue();
            case "int", "long" -> assertThat(node.isIntegralNumber())
                    .as("%s is an integer", path)
                    .isTrue();
            case "number" -> assertThat(node.isNumber())
                    .as("%s is a number", path)
                    .isTrue();
            case "boolean" -> assertThat(node.isBoolean())
                    .as("%s is a boolean", path)
                    .isTrue();
            case "list" -> assertThat(node.isArray()).as("%s is a list", path).isTrue();
            case "map" -> {
                assertThat(node.isObject()).as("%s is a map", path).isTrue();
                node.properties().forEach(e -> assertThat(e.getValue().isTextual())
                        .as("%s.%s is a string (quote numbers and booleans)", path, e.getKey())
                        .isTrue());
            }
            case "PodTemplateSpec" -> assertThat(node.isObject()).as(path).isTrue();
            default -> {
                Map<String, String> fields = CRD.get(type);
                assertThat(fields).as("a documented type %s", type).isNotNull();
                for (Map.Entry<String, JsonNode> e : node.properties()) {
                    assertThat(fields)
                            .as("%s.%s: %s documents no such field", path, e.getKey(), type)
                            .containsKey(e.getKey());
                    checkFields(e.getValue(), fields.get(e.getKey()), path + "." + e.getKey());
                }
            }
        }
    }

    private List<Manifest> of(String kind) {
        return manifests.stream().filter(m -> m.kind().equals(kind)).toList();
    }

    private Manifest application() {
        return of("FlinkDeployment").stream()
                .filter(m -> m.doc().path("spec").has("job"))
                .findFirst()
                .orElseThrow();
    }

    private JsonNode podTemplateOf(Manifest m) {
        if (m.kind().equals("FlinkSessionJob")) {
            String target = m.doc().path("spec").path("deploymentName").asText();
            m = of("FlinkDeployment").stream()
                    .filter(d -> d.name().equals(target))
                    .findFirst()
                    .orElseThrow();
        }
        return m.doc().path("spec").path("podTemplate");
    }

    /** Where the pod mounts the ConfigMap that holds run.yaml. */
    private String configMountPath(JsonNode podTemplate) {
        Manifest configMap = of("ConfigMap").get(0);
        assertThat(configMap.doc().path("data").has("run.yaml")).isTrue();
        String volume = null;
        for (JsonNode v : podTemplate.path("spec").path("volumes")) {
            if (v.path("configMap").path("name").asText().equals(configMap.name())) {
                volume = v.path("name").asText();
            }
        }
        assertThat(volume).as("a volume of ConfigMap %s", configMap.name()).isNotNull();
        JsonNode container = mainContainer(podTemplate);
        for (JsonNode mount : container.path("volumeMounts")) {
            if (mount.path("name").asText().equals(volume)) {
                return mount.path("mountPath").asText();
            }
        }
        throw new AssertionError("flink-main-container does not mount volume " + volume);
    }

    private static String podEnv(JsonNode spec, String name) {
        for (JsonNode env : mainContainer(spec.path("podTemplate")).path("env")) {
            if (env.path("name").asText().equals(name)) {
                return env.path("value").asText();
            }
        }
        return null;
    }

    /** The operator merges a pod template into the Flink container by this name. */
    private static JsonNode mainContainer(JsonNode podTemplate) {
        for (JsonNode c : podTemplate.path("spec").path("containers")) {
            if (c.path("name").asText().equals("flink-main-container")) {
                return c;
            }
        }
        throw new AssertionError("the pod template has no flink-main-container");
    }

    private RunConfig runConfig() throws IOException {
        Map<String, String> settings = new java.util.LinkedHashMap<>(ConfigFile.read(writeRunYaml()));
        settings.put(RunOptions.MODEL_VERSION.key(), "1");
        return RunConfig.of(settings);
    }

    private Path writeRunYaml() throws IOException {
        Path file = tmp.resolve("run.yaml");
        Files.writeString(
                file, of("ConfigMap").get(0).doc().path("data").path("run.yaml").asText());
        return file;
    }

    private static Set<String> flinkKeys() {
        Set<String> keys = new HashSet<>();
        for (Class<?> c : FLINK_OPTIONS) {
            for (Field f : c.getFields()) {
                if (Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigOption.class) {
                    try {
                        keys.add(((ConfigOption<?>) f.get(null)).key());
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        return keys;
    }

    private static List<Manifest> readAll() {
        List<Manifest> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path file :
                    files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                for (Object doc : new Yaml().loadAll(Files.readString(file))) {
                    all.add(new Manifest(file.getFileName().toString(), new ObjectMapper().valueToTree(doc)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(all).as("manifests in %s", DIR).isNotEmpty();
        return all;
    }
}
