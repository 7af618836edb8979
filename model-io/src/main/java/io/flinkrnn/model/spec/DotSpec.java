package io.flinkrnn.model.spec;

import java.util.List;

/**
 * Keras's {@code Dot} of two vectors along their feature axis ({@code axes=1}): one float per key,
 * the dot product, or the cosine similarity with {@code normalize=True}. Each input is L2-normalized
 * as {@code x * min(1 / sqrt(sum(x^2)), maxInverseNorm)}: Keras 3 caps the inverse norm at {@code
 * 1 / epsilon = 1e7}, tf.keras's {@code tf.linalg.l2_normalize} at {@code 1 / sqrt(1e-12) = 1e6}.
 */
public record DotSpec(String name, boolean normalize, float maxInverseNorm) implements LayerSpec {

    @Override
    public String className() {
        return "Dot";
    }

    @Override
    public Shape outputShape(Shape input) {
        throw new IllegalArgumentException("Dot '" + name + "' takes two inputs, got one");
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        if (inputs.size() != 2) {
            throw new IllegalArgumentException("Dot '" + name + "' takes exactly 2 inputs, got " + inputs.size());
        }
        Shape a = inputs.get(0);
        Shape b = inputs.get(1);
        if (a.sequence() || b.sequence() || a.features().length != 1 || !a.equals(b)) {
            throw new IllegalArgumentException(
                    "Dot '" + name + "' takes two vectors of one size, got " + a + " and " + b);
        }
        return Shape.single(1);
    }

    @Override
    public long paramCount() {
        return 0;
    }
}
