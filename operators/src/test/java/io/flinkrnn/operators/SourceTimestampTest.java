package io.flinkrnn.operators;

import static io.flinkrnn.operators.KerasOutputs.assertMatches;
import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.operators.internal.RnnSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each prediction carries the source timestamp of its own event (the Kafka job writes it as the
 * output record's timestamp), through the bundle and through the event-time buffer in RocksDB.
 */
class SourceTimestampTest {

    private static final Fixture LSTM_SEQ = Fixture.named("keras3_lstm_seq");
    private static final long SOURCE_BASE = 1_764_000_000_000L;

    @ParameterizedTest(name = "eventTime={0}")
    @ValueSource(booleans = {false, true})
    void eachPredictionCarriesItsEventsSourceTimestamp(boolean eventTime) throws Exception {
        List<RnnEvent> events = new ArrayList<>();
        List<RnnEvent> plain = KerasOutputs.events(LSTM_SEQ.eventRows());
        for (int i = 0; i < plain.size(); i++) {
            RnnEvent e = plain.get(i);
            events.add(new RnnEvent(e.key(), e.timestamp(), e.features(), SOURCE_BASE + i));
        }
        Map<String, Long> sourceOf =
                events.stream().collect(Collectors.toMap(SourceTimestampTest::id, RnnEvent::sourceTimestamp));
        Configuration c = new Configuration();
        c.set(RnnOptions.BUNDLE_MAX_EVENTS, 5);
        c.set(RnnOptions.BUNDLE_MAX_DELAY, Duration.ZERO);
        if (eventTime) {
            c.set(RnnOptions.ALLOWED_LATENESS, Duration.ZERO);
            Collections.shuffle(events, new Random(7));
        }
        RnnSettings settings =
                RnnSettings.from(ModelSource.of(LSTM_SEQ.file("keras").orElseThrow()), c);
        try (RnnInferenceOperatorTest.Harness h = new RnnInferenceOperatorTest.Harness(settings)) {
            h.setStateBackend(new EmbeddedRocksDBStateBackend());
            h.open();
            for (RnnEvent e : events) {
                h.processElement1(e, e.timestamp());
            }
            if (eventTime) {
                h.processBothWatermarks(new Watermark(Long.MAX_VALUE - 1));
            }
            h.finish();
            assertMatches(h.predictions(), LSTM_SEQ.expectedRows());
            Map<String, Long> carried = h.predictions().stream()
                    .collect(Collectors.toMap(p -> p.key() + "@" + p.timestamp(), Prediction::sourceTimestamp));
            assertThat(carried).isEqualTo(sourceOf);
        }
    }

    @Test
    void eventsWithoutASourceSayNone() {
        assertThat(new RnnEvent("k", 1, new float[] {1}).sourceTimestamp()).isEqualTo(RnnEvent.NO_SOURCE_TIMESTAMP);
        assertThat(new Prediction("k", 1, new float[] {1}, "v", null).sourceTimestamp())
                .isEqualTo(RnnEvent.NO_SOURCE_TIMESTAMP);
    }

    private static String id(RnnEvent e) {
        return e.key() + "@" + e.timestamp();
    }
}
