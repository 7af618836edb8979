package io.flinkrnn.engine;

import io.flinkrnn.model.spec.Activation;
import io.flinkrnn.model.spec.CellSpec;
import io.flinkrnn.model.spec.DenseSpec;
import io.flinkrnn.model.spec.GruCellSpec;
import io.flinkrnn.model.spec.KerasVersion;
import io.flinkrnn.model.spec.LayerSpec;
import io.flinkrnn.model.spec.LstmCellSpec;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.model.spec.RecurrentSpec;
import io.flinkrnn.model.spec.Shape;
import io.flinkrnn.model.spec.Tensor;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/** Small hand-made specs with random weights, for properties no Keras fixture can show. */
final class Specs {

    private final Random random;

    Specs(long seed) {
        this.random = new Random(seed);
    }

    Tensor tensor(int... shape) {
        float[] data = new float[Math.toIntExact(Tensor.size(shape))];
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextFloat() - 0.5f;
        }
        return new Tensor(shape, data);
    }

    float[] vector(int n) {
        return tensor(n).data();
    }

    LstmCellSpec lstm(int inputs, int units) {
        return new LstmCellSpec(
                units,
                Activation.TANH,
                Activation.SIGMOID,
                tensor(inputs, 4 * units),
                tensor(units, 4 * units),
                tensor(4 * units));
    }

    GruCellSpec gru(int inputs, int units, boolean resetAfter) {
        return new GruCellSpec(
                units,
                Activation.TANH,
                Activation.SIGMOID,
                resetAfter,
                tensor(inputs, 3 * units),
                tensor(units, 3 * units),
                resetAfter ? tensor(2, 3 * units) : tensor(3 * units));
    }

    static RecurrentSpec rnn(String name, CellSpec cell, boolean returnSequences) {
        return new RecurrentSpec(name, "RNN", cell, returnSequences, false, false, false);
    }

    DenseSpec dense(String name, int inputs, int units) {
        return new DenseSpec(name, units, Activation.LINEAR, tensor(inputs, units), tensor(units));
    }

    static ModelSpec model(Integer timeSteps, int features, LayerSpec... layers) {
        return new ModelSpec(
                "test",
                "test spec",
                KerasVersion.parse("3.0.0"),
                Shape.sequence(timeSteps, features),
                false,
                Optional.empty(),
                List.of(layers));
    }
}
