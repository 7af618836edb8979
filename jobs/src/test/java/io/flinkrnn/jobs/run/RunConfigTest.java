package io.flinkrnn.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkrnn.jobs.cli.FlinkRnnCli;
import io.flinkrnn.model.LoadLimits;
import io.flinkrnn.model.ModelLoadException;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.operators.state.RocksDbMemtableBloom;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.CompressionType;
import picocli.CommandLine;

class RunConfigTest {

    private static final String MODEL =
            Fixture.named("keras3_lstm_seq").file("keras").orElseThrow().toString();

    @TempDir
    Path dir;

    private static Map<String, String> minimal() {
        Map<String, String> s = new HashMap<>();
        s.put("flink-rnn.model.path", MODEL);
        s.put("flink-rnn.kafka.bootstrap-servers", "127.0.0.1:9092");
        s.put("flink-rnn.kafka.topic", "events");
        s.put("flink-rnn.kafka.output-topic", "predictions");
        s.put("flink-rnn.kafka.dead-letter-topic", "dead-letters");
        s.put("execution.checkpointing.dir", "file:///tmp/checkpoints");
        return s;
    }

    private static Map<String, String> with(String key, String value) {
        Map<String, String> s = minimal();
        s.put(key, value);
        return s;
    }

    @Test
    void defaultsAreRocksDbAndCheckpointsKeptOnCancel() {
        RunConfig run = RunConfig.of(minimal());
        assertThat(run.flink().get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(run.flink().get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        assertThat(run.flink().get(PipelineOptions.OBJECT_REUSE)).isTrue();
        assertThat(run.format()).isEqualTo(EventFormat.JSON);
        assertThat(run.startingOffsets()).isEqualTo(StartingOffsets.COMMITTED);
        assertThat(run.outputTimestamp()).isEqualTo(OutputTimestamp.INPUT_RECORD);
        assertThat(RunConfig.of(with("flink-rnn.kafka.output-timestamp", "processing-time"))
                        .outputTimestamp())
                .isEqualTo(OutputTimestamp.PROCESSING_TIME);
        assertThat(run.model().version()).isEqualTo("model.keras");
    }

    @Test
    void rocksDbIsTunedForRecurrentStateUnlessTheJobSaysOtherwise() {
        RunConfig tuned = RunConfig.of(minimal());
        assertThat(tuned.flink().get(RocksDBConfigurableOptions.COMPRESSION_PER_LEVEL))
                .containsExactly(CompressionType.NO_COMPRESSION);
        assertThat(tuned.flink().get(RocksDBConfigurableOptions.USE_BLOOM_FILTER))
                .isTrue();
        assertThat(tuned.flink().get(RocksDBConfigurableOptions.WRITE_BUFFER_SIZE))
                .isEqualTo(MemorySize.ofMebiBytes(128));
        RunConfig own = RunConfig.of(with("state.backend.rocksdb.writebuffer.size", "32m"));
        assertThat(own.flink().get(RocksDBConfigurableOptions.WRITE_BUFFER_SIZE))
                .isEqualTo(MemorySize.ofMebiBytes(32));
        RunConfig heap = RunConfig.of(with("state.backend.type", "hashmap"));
        assertThat(heap.flink().contains(RocksDBConfigurableOptions.USE_BLOOM_FILTER))
                .isFalse();
    }

    @Test
    void aJobMayAddMemtableBloomFiltersForMillionsOfKeys() {
        String factory = RocksDbMemtableBloom.class.getName();
        RunConfig run = RunConfig.of(with("state.backend.rocksdb.options-factory", factory));
        assertThat(run.flink().get(RocksDBOptions.OPTIONS_FACTORY)).isEqualTo(factory);
        assertThat(run.flink().get(RocksDBConfigurableOptions.USE_BLOOM_FILTER)).isTrue();
    }

    @Test
    void unknownKeysAreErrorsWithASuggestion() {
        assertThatThrownBy(() -> RunConfig.of(with("flink-rnn.bundle.max-event", "8")))
                .hasMessage("unknown option 'flink-rnn.bundle.max-event' in the job settings"
                        + " (did you mean 'flink-rnn.bundle.max-events'?)");
        assertThatThrownBy(() -> RunConfig.of(with("kafka.topic", "x")))
                .hasMessageStartingWith("unknown option 'kafka.topic'");
    }

    @Test
    void missingSettingsAreNamed() {
        Map<String, String> s = minimal();
        s.remove("flink-rnn.kafka.topic");
        assertThatThrownBy(() -> RunConfig.of(s)).hasMessage("missing option 'flink-rnn.kafka.topic'");
        Map<String, String> t = minimal();
        t.remove("execution.checkpointing.dir");
        assertThatThrownBy(() -> RunConfig.of(t))
                .hasMessageStartingWith("missing option 'execution.checkpointing.dir'");
    }

    @Test
    void aModelComesFromAFileOrFromAStoreNeverBoth() {
        Map<String, String> store = minimal();
        store.remove("flink-rnn.model.path");
        store.put("flink-rnn.model.store", "file:///var/models");
        store.put("flink-rnn.model.name", "sensors");
        assertThat(RunConfig.of(store).model())
                .isEqualTo(io.flinkrnn.operators.ModelSource.fromStore("file:///var/models", "sensors", "latest"));

        assertThatThrownBy(() -> RunConfig.of(with("flink-rnn.model.store", "file:///var/models")))
                .hasMessage("both 'flink-rnn.model.path' and a model store are set; serve one model");
        Map<String, String> none = minimal();
        none.remove("flink-rnn.model.path");
        assertThatThrownBy(() -> RunConfig.of(none))
                .hasMessage("missing option 'flink-rnn.model.path' (or 'flink-rnn.model.store' with"
                        + " 'flink-rnn.model.name')");
        store.remove("flink-rnn.model.name");
        assertThatThrownBy(() -> RunConfig.of(store))
                .hasMessage("a model store needs both 'flink-rnn.model.store' and 'flink-rnn.model.name'");
    }

    @Test
    void contradictionsAreErrors() {
        Map<String, String> window = with("flink-rnn.window", "10");
        window.put("flink-rnn.mode", "stateful");
        assertThatThrownBy(() -> RunConfig.of(window))
                .hasMessage(
                        "flink-rnn.window is set but flink-rnn.mode is 'stateful': a window length needs window mode");
        assertThatThrownBy(() -> RunConfig.of(with("flink-rnn.kafka.output-topic", "events")))
                .hasMessageContaining("the job would read its own output");
        assertThatThrownBy(() -> RunConfig.of(with("flink-rnn.kafka.control-topic", "events")))
                .hasMessage("flink-rnn.kafka.control-topic and flink-rnn.kafka.topic are both 'events':"
                        + " controls need a topic of their own");
        assertThatThrownBy(() -> RunConfig.of(with("flink-rnn.kafka.partition-idle-timeout", "0 s")))
                .hasMessage("flink-rnn.kafka.partition-idle-timeout must be positive, got PT0S");
        assertThatThrownBy(() -> RunConfig.of(with("execution.checkpointing.interval", "0 s")))
                .hasMessageContaining("exactly-once Kafka output is committed on checkpoints");
        assertThatThrownBy(() -> RunConfig.of(with("execution.checkpointing.mode", "AT_LEAST_ONCE")))
                .hasMessageContaining("the Kafka sinks are exactly-once");
        Map<String, String> timeout = with("flink-rnn.kafka.transaction-timeout", "30 s");
        timeout.put("execution.checkpointing.interval", "1 min");
        assertThatThrownBy(() -> RunConfig.of(timeout))
                .hasMessageContaining("must be longer than execution.checkpointing.interval");
    }

    @Test
    void loaderLimitsTravelWithTheModelAndRefuseOnTheClient() {
        RunConfig limited = RunConfig.of(with("flink-rnn.model.limits.max-layers", "1"));
        assertThat(limited.model().limits()).isEqualTo(LoadLimits.DEFAULTS.withMaxLayers(1));
        assertThatThrownBy(() -> KafkaRnnJob.build(StreamExecutionEnvironment.createLocalEnvironment(1), limited))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("the limit maxLayers (1)");
        assertThat(RunConfig.of(with("flink-rnn.model.limits.max-file-size", "1536 mb"))
                        .model()
                        .limits())
                .isEqualTo(LoadLimits.DEFAULTS.withMaxFileBytes(1536L << 20));
        assertThatThrownBy(() -> RunConfig.of(with("flink-rnn.model.limits.max-file-size", "4 gb")))
                .hasMessageStartingWith("flink-rnn.model.limits: maxFileBytes must be between 1 and");
    }

    @Test
    void badValuesAreErrors() {
        assertThatThrownBy(() -> RunConfig.of(with("flink-rnn.input.format", "avro")))
                .hasMessage("flink-rnn.input.format is json or csv; got 'avro'");
        for (String bad : new String[] {"newest", "timestamp:", "timestamp:-1", "timestamp:2026-01-01"}) {
            assertThatThrownBy(() -> RunConfig.of(with("flink-rnn.kafka.starting-offsets", bad)))
                    .hasMessage("flink-rnn.kafka.starting-offsets is earliest, latest, committed or timestamp:MILLIS"
                            + " (a Kafka record timestamp, e.g. timestamp:1767225600000); got '" + bad + "'");
        }
        assertThat(RunConfig.of(with("flink-rnn.kafka.starting-offsets", "timestamp:1767225600000"))
                        .startingOffsets())
                .isEqualTo(new StartingOffsets(StartingOffsets.Start.TIMESTAMP, 1767225600000L));
        assertThatThrownBy(() -> RunConfig.of(with("flink-rnn.kafka.properties.max.request.size", "65536")))
                .hasMessage("flink-rnn.kafka.properties.max.request.size (65536) must be at least 1048576: a dead"
                        + " letter may carry 64 KB of key and 64 KB of the original record, JSON-escaped");
        assertThatThrownBy(() -> RunConfig.of(with("flink-rnn.kafka.properties.max.request.size", "1 MB")))
                .hasMessage("flink-rnn.kafka.properties.max.request.size is not a number of bytes: '1 MB'");
        assertThatThrownBy(() -> RunConfig.of(with("flink-rnn.kafka.output-timestamp", "ts")))
                .hasMessage("flink-rnn.kafka.output-timestamp is input-record, processing-time or event; got 'ts'");
        assertThatThrownBy(() -> RunConfig.of(with("flink-rnn.bundle.max-events", "many")))
                .hasMessageContaining("flink-rnn.bundle.max-events");
    }

    @Test
    void yamlNestsAndFlagsOverrideTheFile() throws Exception {
        Path yaml = dir.resolve("run.yaml");
        Files.writeString(
                yaml,
                """
                flink-rnn:
                  model.path: %s
                  kafka:
                    bootstrap-servers: 127.0.0.1:9092
                    topic: events
                    output-topic: predictions
                    dead-letter-topic: dead-letters
                  bundle.max-events: 64
                execution.checkpointing.dir: file:///tmp/checkpoints
                parallelism.default: 3
                """
                        .formatted(MODEL));
        RunCommand cmd = new RunCommand();
        new CommandLine(cmd)
                .parseArgs("--config", yaml.toString(), "--parallelism", "2", "-D", "flink-rnn.mode=stateful");
        Map<String, String> settings = cmd.settings();
        assertThat(settings)
                .containsEntry("flink-rnn.kafka.output-topic", "predictions")
                .containsEntry("flink-rnn.bundle.max-events", "64")
                .containsEntry("flink-rnn.mode", "stateful")
                .containsEntry("parallelism.default", "2");
        assertThat(RunConfig.of(settings).get(RunOptions.TOPIC)).isEqualTo("events");
    }

    @Test
    void propertiesFilesWorkToo() throws Exception {
        Path props = dir.resolve("run.properties");
        StringBuilder text = new StringBuilder();
        minimal().forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Files.writeString(props, text);
        assertThat(ConfigFile.read(props)).isEqualTo(minimal());
    }

    @Test
    void theCommandLinePrintsOneLineErrors() throws Exception {
        Path yaml = dir.resolve("typo.yaml");
        Files.writeString(yaml, "flink-rnn.kafka.topc: events\n");
        StringWriter err = new StringWriter();
        int exit = FlinkRnnCli.commandLine().setErr(new PrintWriter(err)).execute("run", "--config", yaml.toString());
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString().strip())
                .isEqualTo("error: unknown option 'flink-rnn.kafka.topc' in " + yaml
                        + " (did you mean 'flink-rnn.kafka.topic'?)");
    }

    @Test
    void aModeTheModelCannotRunIsAnErrorBeforeSubmission() {
        Map<String, String> s = with("flink-rnn.mode", "sideways");
        RunConfig run = RunConfig.of(s);
        assertThatThrownBy(() -> KafkaRnnJob.build(KafkaRnnJob.environment(run), run))
                .hasMessage("the mode is auto, stateful or window; got 'sideways'");
    }
}
