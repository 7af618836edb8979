package io.flinkrnn.jobs.cli;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.jobs.state.HistoryCsv;
import io.flinkrnn.jobs.state.KerasStates;
import io.flinkrnn.jobs.state.KeyCensus;
import io.flinkrnn.jobs.state.KeyEdit;
import io.flinkrnn.jobs.state.RnnKeyState;
import io.flinkrnn.jobs.state.RnnStates;
import io.flinkrnn.jobs.state.SavepointOperator;
import io.flinkrnn.jobs.state.StatesFile;
import io.flinkrnn.operators.OperatorFacts;
import io.flinkrnn.operators.RnnOptions.StatePrecision;
import io.flinkrnn.operators.internal.EnumOptions;
import io.flinkrnn.operators.state.KeyStateSerializer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.util.CloseableIterator;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code flink-rnn state inspect|edit|bootstrap}: keys' recurrent states in savepoints (README "Recurrent state"). */
@Command(
        name = "state",
        mixinStandardHelpOptions = true,
        description =
                "Reads and rewrites the keys' recurrent states in savepoints of a flink-rnn job, without running it.",
        subcommands = {StateCommand.Inspect.class, StateCommand.Edit.class, StateCommand.Bootstrap.class})
public final class StateCommand implements Runnable {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The savepoint and the operator in it, shared by the subcommands. */
    static final class SavepointOptions {
        @Option(names = "--savepoint", required = true, description = "Savepoint directory (path or URI).")
        String savepoint;

        @Option(names = "--uid", description = "uid of the flink-rnn operator in the job. Default: ${DEFAULT-VALUE}.")
        String uid = RnnStates.DEFAULT_UID;

        RnnStates open() {
            return RnnStates.open(uri(savepoint), uid);
        }
    }

    /** A local path as a file URI, which Flink's file systems read; a URI as it is. */
    static String uri(String pathOrUri) {
        return pathOrUri.contains(":")
                ? pathOrUri
                : Path.of(pathOrUri).toAbsolutePath().toUri().toString();
    }

    @Command(
            name = "inspect",
            mixinStandardHelpOptions = true,
            description = {
                "Summarizes the operator's state in a savepoint: format, the model that wrote it, keys, bytes per key,",
                "keys per key group, idle keys; --out writes one row per key with its states named as Keras names them."
            })
    static final class Inspect implements Callable<Integer> {

        @picocli.CommandLine.Mixin
        SavepointOptions savepoint;

        @ArgGroup(exclusive = false, heading = "The job's model (names the states, and must have written them):%n")
        ModelOptions model;

        @Option(names = "--key", description = "Only this key (repeatable).")
        List<String> keys;

        @Option(
                names = "--out",
                description =
                        "One row per key: key,key_group,last_timestamp,epoch,states; CSV, or Parquet for *.parquet.")
        Path out;

        @Option(
                names = "--idle-longer-than",
                converter = FlinkDuration.class,
                description = "Count the keys whose last event is older than this (e.g. 7d) before --now.")
        Duration idle;

        @Option(
                names = "--now",
                description = "Event timestamp (ms) idleness is measured to. Default: the newest key's last timestamp.")
        Long now;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            RnnStates states = savepoint.open();
            SavepointOperator operator = states.operator();
            OperatorFacts facts = states.facts();
            List<KerasStates.KerasState> named = null;
            if (model != null) {
                InferenceModel compiled = model.compile();
                states.requireWrittenBy(compiled, model.model.getFileName().toString());
                named = KerasStates.of(compiled);
            }
            KeyCensus census = new KeyCensus(operator.maxParallelism(), facts.epoch());
            Set<String> wanted = keys == null ? null : new HashSet<>(keys);
            Set<String> found = new HashSet<>();
            int valueBytes = 0;
            try (CloseableIterator<RnnKeyState> it = states.keys();
                    StatesFile file = this.out == null ? null : StatesFile.create(this.out, named)) {
                while (it.hasNext()) {
                    RnnKeyState key = it.next();
                    census.add(key);
                    valueBytes = Math.max(valueBytes, serializedBytes(key, operator.keyPrecision()));
                    if (wanted != null && !wanted.contains(key.key())) {
                        continue;
                    }
                    found.add(key.key());
                    if (file != null) {
                        file.write(key, census.keyGroup(key.key()));
                    } else if (wanted != null) {
                        out.println(describe(key, named));
                    }
                }
            }
            printSummary(out, operator, facts, census, valueBytes);
            if (wanted != null) {
                wanted.stream()
                        .filter(k -> !found.contains(k))
                        .sorted()
                        .forEach(k -> out.println("key " + k + ": no state (never served, dropped, reset or expired)"));
            }
            return 0;
        }

        private void printSummary(
                PrintWriter out, SavepointOperator operator, OperatorFacts facts, KeyCensus census, int valueBytes) {
            out.printf(
                    "operator uid %s: %s keyed state, max parallelism %d, written at parallelism %d%n",
                    operator.uid(), operator.format(), operator.maxParallelism(), operator.parallelism());
            out.printf(
                    "state format: key state layout %s (this build reads 1 to %d), %s values%s%s%n",
                    operator.keyLayout() == 0 ? "none (no key has state)" : operator.keyLayout(),
                    KeyStateSerializer.LAYOUT,
                    EnumOptions.name(operator.keyPrecision()),
                    operator.idleTtl() ? ", with idle TTL" : "",
                    operator.eventTimeBuffer() ? ", with an event-time buffer" : "");
            out.println(
                    facts.layout() == null
                            ? "written by: model not recorded (a savepoint of a build before layout 2)"
                            : "written by: model " + facts.version() + " [" + facts.layout() + "]");
            out.printf(
                    "keys: %,d (%,d reset after their last event: they start fresh)%n",
                    census.keys(), census.resetKeys());
            if (census.keys() > 0) {
                out.printf(
                        "bytes per key: %,d in the savepoint (%,d bytes of keyed state), %,d of serialized state%n",
                        operator.keyedBytes() / census.keys(), operator.keyedBytes(), valueBytes);
            }
            Map<String, Integer> groups = census.keysPerKeyGroup();
            out.println("keys per key group (" + operator.maxParallelism() + " groups): "
                    + String.format("min %,d, max %,d; ", census.emptiestGroup(), census.fullestGroup())
                    + groups.entrySet().stream()
                            .map(e -> e.getKey() + " keys: " + e.getValue() + " groups")
                            .collect(Collectors.joining(", ")));
            if (idle != null) {
                long to = now != null ? now : census.newestTimestamp();
                out.printf(
                        "idle longer than %s before %d: %,d keys%n",
                        idle, to, census.keys() == 0 ? 0 : census.idleLongerThan(idle, to));
            }
        }

        /** The key's bytes as this build's serializer writes them in the savepoint's precision. */
        private static int serializedBytes(RnnKeyState key, StatePrecision precision) throws IOException {
            DataOutputSerializer bytes = new DataOutputSerializer(64 + key.values().length * Float.BYTES);
            KeyStateSerializer.of(precision).serialize(key.toKeyState(), bytes);
            return bytes.length();
        }

        private static String describe(RnnKeyState key, List<KerasStates.KerasState> named) {
            StringBuilder line = new StringBuilder(
                    "key " + key.key() + ": last timestamp " + key.lastTimestamp() + ", epoch " + key.epoch());
            if (named == null) {
                line.append(", state ").append(Arrays.toString(key.values()));
            } else {
                named.forEach(s ->
                        line.append(", ").append(s.label()).append(' ').append(Arrays.toString(s.of(key.values()))));
            }
            return line.toString();
        }
    }

    @Command(
            name = "edit",
            mixinStandardHelpOptions = true,
            description = {
                "Writes a copy of a savepoint without some keys' states: dropped and reset keys start from zero state",
                "on their next event, every other key continues exactly; other operators' state is copied as it is."
            })
    static final class Edit implements Callable<Integer> {

        @picocli.CommandLine.Mixin
        SavepointOptions savepoint;

        @Option(names = "--out", required = true, description = "Directory of the new savepoint.")
        String out;

        @ArgGroup(multiplicity = "1")
        Which which;

        static final class Which {
            @Option(
                    names = "--drop-keys",
                    required = true,
                    description = "Drop the keys listed, one per line: their states and buffered events.")
            Path dropKeys;

            @Option(
                    names = "--reset-keys",
                    required = true,
                    description = "Reset the keys listed, one per line, as a reset control does: their states go, their"
                            + " events in the event-time buffer stay.")
            Path resetKeys;

            @Option(
                    names = "--drop-idle",
                    required = true,
                    converter = FlinkDuration.class,
                    description = "Drop the keys whose last event is older than this (e.g. 30d) before --now.")
            Duration dropIdle;
        }

        @Option(
                names = "--now",
                description = "Event timestamp (ms) idleness is measured to. Default: the newest key's last timestamp.")
        Long now;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            String target = uri(out);
            if (target.equals(uri(savepoint.savepoint))) {
                throw new IllegalArgumentException("--out must be another directory than --savepoint");
            }
            RnnStates states = savepoint.open();
            Path listed = which.dropKeys != null ? which.dropKeys : which.resetKeys;
            RnnStates.Rewrite result;
            String what;
            if (listed != null) {
                Set<String> keys = KeyList.read(listed);
                KeyEdit.Outcome listedKeys = which.dropKeys != null ? KeyEdit.Outcome.DROP : KeyEdit.Outcome.RESET;
                result = states.edit(target, key -> keys.contains(key.key()) ? listedKeys : KeyEdit.Outcome.KEEP);
                what = (which.dropKeys != null ? "dropped " + result.droppedKeys() : "reset " + result.resetKeys())
                        + " of the " + keys.size() + " keys in " + listed + " (the others have no state)";
            } else {
                long to = now != null ? now : newestTimestamp(states);
                long oldest = to - which.dropIdle.toMillis();
                // A key with events waiting in the event-time buffer is not idle: they are still to be served.
                result = states.edit(
                        target,
                        key -> key.buffered().length == 0 && key.state().lastTimestamp() < oldest
                                ? KeyEdit.Outcome.DROP
                                : KeyEdit.Outcome.KEEP);
                what = "dropped " + result.droppedKeys() + " keys idle longer than " + which.dropIdle + " before " + to;
            }
            spec.commandLine().getOut().println("wrote " + target + ": " + what + "; kept " + result.keptKeys());
            return 0;
        }

        private static long newestTimestamp(RnnStates states) throws Exception {
            long newest = Long.MIN_VALUE;
            try (CloseableIterator<RnnKeyState> it = states.keys()) {
                while (it.hasNext()) {
                    newest = Math.max(newest, it.next().lastTimestamp());
                }
            }
            return newest;
        }
    }

    @Command(
            name = "bootstrap",
            mixinStandardHelpOptions = true,
            description = {
                "Serves each key's history (a CSV key,t,x0,... as replay reads it) through the model and writes a savepoint",
                "whose keys hold exactly the states the job would after those events: start the job from it, no cold start."
            })
    static final class Bootstrap implements Callable<Integer> {

        @picocli.CommandLine.Mixin
        ModelOptions model;

        @Option(
                names = "--history",
                required = true,
                description = "CSV key,t,x0,x1,...: each key's rows in its order; keys may interleave.")
        Path history;

        @Option(names = "--out", required = true, description = "Directory of the new savepoint.")
        String out;

        @Option(
                names = "--max-parallelism",
                description = "Key groups of the operator: the most subtasks a restoring job may run. "
                        + "Default: ${DEFAULT-VALUE}, Flink's for parallelism up to 128.")
        int maxParallelism = 128;

        @Option(names = "--uid", description = "uid of the flink-rnn operator in the job. Default: ${DEFAULT-VALUE}.")
        String uid = RnnStates.DEFAULT_UID;

        @Option(
                names = "--state-backend",
                description = "Where the keys' states wait to be written: hashmap (heap) or rocksdb (disk, for more "
                        + "keys than the heap holds). Default: ${DEFAULT-VALUE}.")
        String stateBackend = "hashmap";

        @Option(
                names = "--state-precision",
                description = "What the keys' state values are stored in, as the job's "
                        + "flink-rnn.state.precision: float32, bfloat16 or float16. Default: ${DEFAULT-VALUE}.")
        String statePrecision = "float32";

        @Option(
                names = "--temp-dir",
                description =
                        "Where the history is split by key into buckets while it is served (about its own size on "
                                + "disk, deleted at the end). Default: java.io.tmpdir.")
        Path tempDir = Path.of(System.getProperty("java.io.tmpdir"));

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            StatePrecision precision = EnumOptions.parse(StatePrecision.class, statePrecision, "--state-precision");
            if (maxParallelism < 1 || maxParallelism > KeyGroupRangeAssignment.UPPER_BOUND_MAX_PARALLELISM) {
                throw new IllegalArgumentException("--max-parallelism must be between 1 and "
                        + KeyGroupRangeAssignment.UPPER_BOUND_MAX_PARALLELISM + ", got " + maxParallelism);
            }
            StateBackend backend = RnnStates.bootstrapBackend(stateBackend);
            String target = uri(out);
            long start = System.nanoTime();
            PrintWriter err = spec.commandLine().getErr();
            RnnStates.Bootstrap written = RnnStates.bootstrap(
                    model.inference().statePrecision(precision),
                    history,
                    target,
                    maxParallelism,
                    uid,
                    backend,
                    tempDir,
                    progress -> {
                        err.printf("%.0f s: %s%n", (System.nanoTime() - start) / 1e9, progress);
                        err.flush();
                    });
            double seconds = (System.nanoTime() - start) / 1e9;
            HistoryCsv.Scan scan = written.history();
            spec.commandLine()
                    .getOut()
                    .printf(
                            "wrote %s: %,d keys from %,d events of %s in %.1f s, model %s [%s]%s%n",
                            target,
                            scan.keys(),
                            scan.events(),
                            history,
                            seconds,
                            written.facts().version(),
                            written.facts().layout(),
                            scan.rejected() == 0
                                    ? ""
                                    : "; " + scan.rejected() + " rows rejected, as the job would, the first: "
                                            + scan.firstRejection());
            return 0;
        }
    }
}
