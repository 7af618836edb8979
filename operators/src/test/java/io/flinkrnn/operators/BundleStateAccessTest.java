package io.flinkrnn.operators;

import static io.flinkrnn.operators.KerasOutputs.assertMatches;
import static io.flinkrnn.operators.KerasOutputs.events;
import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.operators.internal.RnnSettings;
import io.flinkrnn.operators.internal.bundle.BundleMetrics;
import io.flinkrnn.operators.internal.bundle.EventBundle;
import io.flinkrnn.operators.internal.bundle.InferenceBundleFunction;
import io.flinkrnn.operators.internal.model.ModelLoader;
import io.flinkrnn.operators.state.KeyState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.event.WatermarkEvent;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.LatencyMarker;
import org.apache.flink.streaming.runtime.streamrecord.RecordAttributes;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.Test;

/**
 * On RocksDB a keyed-state read and write are the cost of an event, so a bundle reads and writes
 * each key once, however many of its events it holds, and still equals Keras event by event.
 */
class BundleStateAccessTest {

    private static final Fixture LSTM_SEQ = Fixture.named("keras3_lstm_seq");

    /** Keyed state as a map, counting accesses: the operator's contract without Flink around it. */
    private static final class CountingStates implements InferenceBundleFunction.KeyStates {
        final Map<String, KeyState> stored = new HashMap<>();
        final InferenceModel model;
        int reads;
        int writes;

        CountingStates(InferenceModel model) {
            this.model = model;
        }

        @Override
        public KeyState read(String key) {
            reads++;
            return stored.get(key);
        }

        @Override
        public void write(String key, KeyState state) {
            writes++;
            stored.put(key, state);
        }

        @Override
        public KeyState live(KeyState state, long nextTimestamp) {
            return state != null ? state : new KeyState(model.newState(), Long.MIN_VALUE, 0);
        }

        @Override
        public boolean admit(RnnEvent event, KeyState live) {
            return true;
        }
    }

    @Test
    void aBundleReadsAndWritesEachKeyOnce() throws Exception {
        ModelSource source = ModelSource.of(LSTM_SEQ.file("keras").orElseThrow());
        RnnSettings settings = RnnSettings.from(source, new Configuration());
        InferenceModel model = ModelLoader.load(source, settings).model();
        CountingStates states = new CountingStates(model);
        InferenceBundleFunction function = new InferenceBundleFunction(
                model, "v1", settings, states, new BundleMetrics(UnregisteredMetricsGroup.createOperatorMetricGroup()));
        List<RnnEvent> events = events(LSTM_SEQ.eventRows());
        EventBundle bundle = new EventBundle();
        events.forEach(bundle::add);
        long keys = events.stream().map(RnnEvent::key).distinct().count();
        assertThat(events.size()).as("several events per key").isGreaterThan((int) (2 * keys));

        List<Prediction> predictions = new ArrayList<>();
        function.finishBundle(bundle, new Collecting(predictions));

        assertThat(states.reads).isEqualTo(keys);
        assertThat(states.writes).isEqualTo(keys);
        Map<String, Long> lastTimestamps =
                events.stream().collect(Collectors.toMap(RnnEvent::key, RnnEvent::timestamp, (a, b) -> b));
        assertThat(states.stored).allSatisfy((key, s) -> assertThat(s.lastTimestamp)
                .as("last timestamp of %s", key)
                .isEqualTo(lastTimestamps.get(key)));
        assertMatches(predictions, LSTM_SEQ.expectedRows());
    }

    private record Collecting(List<Prediction> into) implements Output<StreamRecord<Prediction>> {
        @Override
        public void collect(StreamRecord<Prediction> record) {
            into.add(record.getValue());
        }

        @Override
        public <X> void collect(OutputTag<X> tag, StreamRecord<X> record) {}

        @Override
        public void emitWatermark(Watermark mark) {}

        @Override
        public void emitWatermark(WatermarkEvent event) {}

        @Override
        public void emitWatermarkStatus(WatermarkStatus status) {}

        @Override
        public void emitLatencyMarker(LatencyMarker marker) {}

        @Override
        public void emitRecordAttributes(RecordAttributes attributes) {}

        @Override
        public void close() {}
    }
}
