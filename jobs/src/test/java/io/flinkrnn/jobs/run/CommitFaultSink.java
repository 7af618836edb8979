package io.flinkrnn.jobs.run;

import io.flinkrnn.operators.Prediction;
import java.io.IOException;
import java.util.Collection;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.kafka.sink.KafkaCommittable;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaWriterState;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPostCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * The job's predictions {@link KafkaSink}, unchanged but for its {@link Committer}, which asks
 * {@link InjectedFaults} whether to fail before it commits the Kafka transactions of a completed
 * checkpoint: the window between "the checkpoint is complete" and "its transaction is committed"
 * that only a committer reaches. Flink builds the writer and committer operators from the sink's
 * interfaces ({@link SupportsWriterState}, {@link SupportsCommitter}, {@link
 * SupportsPostCommitTopology}), so this delegate implements each of them as {@code KafkaSink} does and
 * the job's topology, operator uids and state stay those of the plain sink.
 */
final class CommitFaultSink
        implements Sink<Prediction>,
                SupportsWriterState<Prediction, KafkaWriterState>,
                SupportsCommitter<KafkaCommittable>,
                SupportsPostCommitTopology<KafkaCommittable> {

    private final KafkaSink<Prediction> kafka;

    CommitFaultSink(KafkaSink<Prediction> kafka) {
        this.kafka = kafka;
    }

    @Override
    public SinkWriter<Prediction> createWriter(WriterInitContext context) throws IOException {
        return kafka.createWriter(context);
    }

    @Override
    public StatefulSinkWriter<Prediction, KafkaWriterState> restoreWriter(
            WriterInitContext context, Collection<KafkaWriterState> recoveredState) throws IOException {
        return kafka.restoreWriter(context, recoveredState);
    }

    @Override
    public SimpleVersionedSerializer<KafkaWriterState> getWriterStateSerializer() {
        return kafka.getWriterStateSerializer();
    }

    @Override
    public Committer<KafkaCommittable> createCommitter(CommitterInitContext context) throws IOException {
        Committer<KafkaCommittable> committer = kafka.createCommitter(context);
        return new Committer<>() {
            @Override
            public void commit(Collection<CommitRequest<KafkaCommittable>> requests)
                    throws IOException, InterruptedException {
                // The window is a transaction waiting for its commit; a call without one has none.
                if (!requests.isEmpty()) {
                    InjectedFaults.beforeCommit(requests.size());
                }
                committer.commit(requests);
            }

            @Override
            public void close() throws Exception {
                committer.close();
            }
        };
    }

    @Override
    public SimpleVersionedSerializer<KafkaCommittable> getCommittableSerializer() {
        return kafka.getCommittableSerializer();
    }

    @Override
    public void addPostCommitTopology(DataStream<CommittableMessage<KafkaCommittable>> committables) {
        kafka.addPostCommitTopology(committables);
    }
}
