package io.flinkrnn.operators.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.engine.Mode;
import io.flinkrnn.model.KerasModels;
import io.flinkrnn.model.fixtures.Fixture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** What RocksDB stores per key: the raw float32 state behind a 16-byte header, nothing more. */
class KeyStateSerializerTest {

    private static final int HEADER = 4 + 8 + 4;

    @Test
    void aConvLstmKeyCostsItsRawFloatsPlusTheHeader() throws IOException {
        Fixture f = Fixture.named("keras3_convlstm_seq");
        InferenceModel model =
                InferenceModel.compile(KerasModels.load(f.file("keras").orElseThrow()), Mode.auto());
        int map = 6 * 5 * 3;
        // h and c maps, the last output (the h map again, for forecasts) and the events-seen counter.
        assertThat(model.stateLayout().size()).isEqualTo(2 * map + map + 1);
        roundTrip(model.stateLayout().size());
    }

    /** The bench's frame size: 32x32 frames, 16 filters, 'same' padding. */
    @Test
    void aRealisticConvLstmKeyRoundTripsAtRawSize() throws IOException {
        roundTrip(3 * 32 * 32 * 16 + 1);
    }

    private static void roundTrip(int floats) throws IOException {
        Random random = new Random(floats);
        float[] values = new float[floats];
        for (int i = 0; i < floats; i++) {
            values[i] = (float) random.nextGaussian();
        }
        KeyState state = new KeyState(values, 1_700_000_000_123L, 3);
        DataOutputSerializer out = new DataOutputSerializer(64);
        KeyStateSerializer.INSTANCE.serialize(state, out);
        assertThat(out.length()).isEqualTo(HEADER + Float.BYTES * floats);
        byte[] bytes = out.getCopyOfBuffer();
        assertThat(ByteBuffer.wrap(bytes, HEADER, Float.BYTES)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .getFloat())
                .isEqualTo(values[0]);

        KeyState back = KeyStateSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back.values).containsExactly(values);
        assertThat(back.lastTimestamp).isEqualTo(state.lastTimestamp);
        assertThat(back.epoch).isEqualTo(state.epoch);

        DataOutputSerializer copied = new DataOutputSerializer(64);
        KeyStateSerializer.INSTANCE.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
        assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
    }
}
