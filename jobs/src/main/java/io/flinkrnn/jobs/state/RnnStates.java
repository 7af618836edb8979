package io.flinkrnn.jobs.state;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.operators.OperatorFacts;
import io.flinkrnn.operators.RnnInference;
import io.flinkrnn.operators.internal.RnnInferenceOperator;
import io.flinkrnn.operators.internal.RnnSettings;
import io.flinkrnn.operators.internal.model.ModelLayout;
import io.flinkrnn.operators.internal.model.ModelLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.OperatorTransformation;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.state.api.StateBootstrapTransformation;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * The keys' recurrent states in a savepoint of a flink-rnn job, read and rewritten with Flink's State
 * Processor API ({@link SavepointReader}, {@link SavepointWriter}) without running the job:
 *
 * <pre>{@code
 * RnnStates states = RnnStates.open("file:///savepoints/savepoint-3f2a", "flink-rnn");
 * OperatorFacts facts = states.facts();           // model version and layout that wrote them
 * InferenceModel model = ...;                      // the model of the job
 * states.requireWrittenBy(model);                 // one line if another model wrote them
 * List<KerasStates.KerasState> named = KerasStates.of(model);
 * try (CloseableIterator<RnnKeyState> keys = states.keys()) {
 *     while (keys.hasNext()) {
 *         RnnKeyState key = keys.next();
 *         float[] c = named.get(1).of(key.values()); // the LSTM's c for this key, as Keras holds it
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #edit} and {@link #rewrite} write a copy without some keys, or with some reset, their
 * events in the event-time buffer dropped or kept to match ({@code flink-rnn state edit}); {@link
 * #bootstrap} writes a new savepoint from each key's history ({@code flink-rnn state bootstrap}).
 *
 * <p>Savepoints of both backends are read: a canonical one with the hashmap backend, RocksDB's native
 * format with RocksDB, as its metadata says ({@link SavepointOperator}). The jobs run in the
 * environment {@link StreamExecutionEnvironment#getExecutionEnvironment()} gives: a local one in a
 * plain program. The State Processor API is a dependency of flink-rnn's jobs module only, never of
 * the operator a job ships.
 */
public final class RnnStates {

    /** The uid flink-rnn's Kafka job gives its inference operator. */
    public static final String DEFAULT_UID = "flink-rnn";

    private final SavepointOperator operator;
    /** Read once: the facts of a savepoint never change. */
    private OperatorFacts facts;

    private RnnStates(SavepointOperator operator) {
        this.operator = operator;
    }

    /** The states of the operator {@link #DEFAULT_UID} in the savepoint at {@code savepoint} (a path or URI). */
    public static RnnStates open(String savepoint) {
        return open(savepoint, DEFAULT_UID);
    }

    /** The states of the operator {@code uid}; one-line errors if it is not a savepoint or has no such operator. */
    public static RnnStates open(String savepoint, String uid) {
        return new RnnStates(SavepointOperator.read(savepoint, uid));
    }

    /** What the savepoint's metadata says about the operator. */
    public SavepointOperator operator() {
        return operator;
    }

    /**
     * The operator's facts: reset epoch, the model version serving at the savepoint and its {@link
     * ModelLayout} line ({@code null} for savepoints of builds before it was recorded).
     */
    public OperatorFacts facts() throws Exception {
        if (facts == null) {
            facts = readFacts();
        }
        return facts;
    }

    private OperatorFacts readFacts() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        List<OperatorFacts> all = new ArrayList<>();
        try (CloseableIterator<OperatorFacts> it = reader(env)
                .readUnionState(id(), RnnInferenceOperator.FACTS_NAME, TypeInformation.of(OperatorFacts.class))
                .executeAndCollect("flink-rnn state facts")) {
            it.forEachRemaining(all::add);
        }
        return OperatorFacts.newest(all);
    }

    /**
     * Fails with one line naming both models unless {@code model} has the state layout of the model
     * that wrote the savepoint, i.e. reads its states as its own (README "State format and upgrades").
     */
    public void requireWrittenBy(InferenceModel model, String modelName) throws Exception {
        OperatorFacts written = facts();
        ModelLayout layout = ModelLayout.of(model);
        if (!layout.wrote(written.layout())) {
            throw new IllegalArgumentException("savepoint " + operator.savepoint() + " holds states of model '"
                    + written.version() + "' [" + written.layout() + "], not of model '" + modelName + "' ["
                    + layout + "]");
        }
    }

    /** Every key's state as a stream of {@code env}, for a pipeline of one's own. */
    public DataStream<RnnKeyState> keys(StreamExecutionEnvironment env) throws IOException {
        return reader(env)
                .readKeyedState(id(), new KeyStateReader(), Types.STRING, TypeInformation.of(RnnKeyState.class));
    }

    /** Every key's state, read by a local job; close it when done. */
    public CloseableIterator<RnnKeyState> keys() throws Exception {
        return keys(StreamExecutionEnvironment.getExecutionEnvironment()).executeAndCollect("flink-rnn state keys");
    }

    /**
     * Writes a copy of the savepoint to {@code out} in which the operator holds only the keys with
     * state that {@code keep} accepts, each exactly as it was, and the same facts; a dropped key's
     * buffered events (event time) go with it, and keys whose events all wait in the buffer are
     * kept. Every other operator's state is carried over as it is. A dropped key starts from zero
     * state on its next event, as after a reset control (docs/SEMANTICS.md section 4).
     */
    public Rewrite rewrite(String out, FilterFunction<RnnKeyState> keep) throws Exception {
        return edit(
                out,
                key -> key.state() == null || keep.filter(key.state()) ? KeyEdit.Outcome.KEEP : KeyEdit.Outcome.DROP);
    }

    /**
     * Writes a copy of the savepoint to {@code out} with each key as {@code edit} decides: kept,
     * dropped with its buffered events, or reset (its state gone, its buffered events kept with
     * their timers, served from zero state once the watermark passes them). The facts and every
     * other operator's state are carried over as they are.
     */
    public Rewrite edit(String out, KeyEdit edit) throws Exception {
        boolean buffer = operator.eventTimeBuffer();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataStream<SavedKey> edited = reader(env)
                .readKeyedState(id(), new SavedKeyReader(buffer), Types.STRING, TypeInformation.of(SavedKey.class))
                .flatMap(new CountingEdit(edit))
                .returns(SavedKey.class);
        StateBootstrapTransformation<SavedKey> kept = OperatorTransformation.bootstrapWith(edited)
                .setMaxParallelism(operator.maxParallelism())
                .keyBy(SavedKey::key, Types.STRING)
                .transform(BufferTimersOperator.factory(new SavedKeyWriter(facts(), buffer, operator.keyPrecision())));
        SavepointWriter writer = SavepointWriter.fromExistingSavepoint(env, operator.savepoint(), backend())
                .removeOperator(id());
        // Flink's writer fails on an operator that had finished (it types the carried operators by
        // the first one). They hold no state: left out, they run again on restore, and the empty
        // control source of a job without controls emits nothing again.
        for (String finished : operator.finishedOperators()) {
            writer = writer.removeOperator(OperatorIdentifier.forUidHash(finished));
        }
        writer.withOperator(id(), kept).write(out);
        JobExecutionResult result = env.execute("flink-rnn state edit");
        return new Rewrite(
                result.<Long>getAccumulatorResult(CountingEdit.KEPT),
                result.<Long>getAccumulatorResult(CountingEdit.DROPPED),
                result.<Long>getAccumulatorResult(CountingEdit.RESET));
    }

    /** What {@link #edit} kept, dropped and reset. */
    public record Rewrite(long keptKeys, long droppedKeys, long resetKeys) {}

    /**
     * Writes a new savepoint in which the flink-rnn operator {@code uid} holds, for every key of the
     * {@code history} CSV ({@link HistoryCsv}), exactly the state the job {@code inference} describes
     * would hold after serving those events from a fresh start, and facts naming its model: a job
     * started from it with the same model continues each key as if it had served the history itself
     * (README "Recurrent state"). The history is read once and split by key into bucket files under
     * {@code java.io.tmpdir}, about its own size, deleted at the end; then each key's events are
     * served together and its state written once, in {@code backend} until the savepoint is written
     * (RocksDB for more keys than the heap holds). The heap holds one bucket (about 32 MiB of the
     * history) per subtask, never the whole history.
     *
     * @param maxParallelism the number of key groups, which bounds the restoring job's parallelism
     */
    public static Bootstrap bootstrap(
            RnnInference inference, Path history, String out, int maxParallelism, String uid, StateBackend backend)
            throws Exception {
        return bootstrap(
                inference,
                history,
                out,
                maxParallelism,
                uid,
                backend,
                Path.of(System.getProperty("java.io.tmpdir")),
                progress -> {});
    }

    /**
     * {@link #bootstrap(RnnInference, Path, String, int, String, StateBackend)} with the buckets in
     * {@code tempDir}, telling {@code progress} every few seconds how far it got (rows split, keys
     * served).
     */
    public static Bootstrap bootstrap(
            RnnInference inference,
            Path history,
            String out,
            int maxParallelism,
            String uid,
            StateBackend backend,
            Path tempDir,
            Consumer<String> progress)
            throws Exception {
        RnnSettings settings = inference.settings();
        ModelLoader.Loaded model = ModelLoader.load(settings.model(), settings);
        OperatorFacts facts = new OperatorFacts(
                0, 0, model.version(), ModelLayout.of(model.model()).line(), 0);
        HistoryCsv.Scan served = new HistoryBootstrap(settings, model.model().inputSize(), facts, progress)
                .write(history, out, maxParallelism, uid, backend, tempDir);
        return new Bootstrap(served, facts);
    }

    /**
     * Where {@link #bootstrap} keeps the keys' states until it writes them: {@code hashmap} (the heap)
     * or {@code rocksdb} (disk, for more keys than the heap holds).
     */
    public static StateBackend bootstrapBackend(String name) {
        return switch (name) {
            case "hashmap" -> new HashMapStateBackend();
            case "rocksdb" -> new EmbeddedRocksDBStateBackend();
            default -> throw new IllegalArgumentException("--state-backend is hashmap or rocksdb, got '" + name + "'");
        };
    }

    /** What {@link #bootstrap} wrote: the history's keys, served and rejected rows, and the facts. */
    public record Bootstrap(HistoryCsv.Scan history, OperatorFacts facts) {}

    private SavepointReader reader(StreamExecutionEnvironment env) throws IOException {
        return SavepointReader.read(env, operator.savepoint(), backend());
    }

    /** RocksDB's native format needs RocksDB to read it; a canonical savepoint any backend. */
    private StateBackend backend() {
        return operator.nativeRocksDb() ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend();
    }

    private OperatorIdentifier id() {
        return OperatorIdentifier.forUid(operator.uid());
    }
}
