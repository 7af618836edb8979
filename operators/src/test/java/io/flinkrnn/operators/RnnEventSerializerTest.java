package io.flinkrnn.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.operators.internal.EventValidator;
import java.io.IOException;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** Events cross every keyBy through this serializer: exact round trips, nulls included, no Flink fallback. */
class RnnEventSerializerTest {

    @Test
    void flinkPicksItForEveryRnnEventStream() {
        assertThat(TypeInformation.of(RnnEvent.class).createSerializer(new SerializerConfigImpl()))
                .isSameAs(RnnEventSerializer.INSTANCE);
    }

    @Test
    void eventsRoundTripExactly() throws IOException {
        float[] features = {1.5f, -0f, Float.MIN_VALUE, 3.4e38f, Float.NaN};
        RnnEvent back = roundTrip(new RnnEvent("sensor-é-7", 1_700_000_000_123L, features, 1_764_000_000_456L));
        assertThat(back.key()).isEqualTo("sensor-é-7");
        assertThat(back.timestamp()).isEqualTo(1_700_000_000_123L);
        assertThat(back.features()).containsExactly(features);
        assertThat(back.sourceTimestamp()).isEqualTo(1_764_000_000_456L);
    }

    @Test
    void nullKeyAndFeaturesStayNullForTheValidatorToReject() throws IOException {
        RnnEvent back = roundTrip(new RnnEvent(null, 5, null));
        assertThat(back.key()).isNull();
        assertThat(back.features()).isNull();
        assertThat(EventValidator.rejectReason(back, 3)).isEqualTo("event has no key");
    }

    private static RnnEvent roundTrip(RnnEvent event) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(16);
        RnnEventSerializer.INSTANCE.serialize(event, out);
        DataOutputSerializer copied = new DataOutputSerializer(16);
        RnnEventSerializer.INSTANCE.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
        assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
        return RnnEventSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }
}
