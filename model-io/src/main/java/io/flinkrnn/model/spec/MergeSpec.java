package io.flinkrnn.model.spec;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Keras's merge layers: {@code Add}, {@code Subtract}, {@code Multiply}, {@code Average}, {@code
 * Maximum}, {@code Minimum} combine inputs of one shape element by element; {@code Concatenate}
 * joins them along a feature axis. Each step of the output depends on the same step of the inputs
 * only, so a merge is causal.
 *
 * @param axis {@code Concatenate}'s axis counted over the features of one step (0 is the first
 *     feature axis); unused by the others
 */
public record MergeSpec(String name, Kind kind, int axis) implements LayerSpec {

    public enum Kind {
        ADD("Add"),
        SUBTRACT("Subtract"),
        MULTIPLY("Multiply"),
        AVERAGE("Average"),
        MAXIMUM("Maximum"),
        MINIMUM("Minimum"),
        CONCATENATE("Concatenate");

        private final String className;

        Kind(String className) {
            this.className = className;
        }

        public static Kind of(String className) {
            return Arrays.stream(values())
                    .filter(k -> k.className.equals(className))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("not a merge layer: " + className));
        }
    }

    @Override
    public String className() {
        return kind.className;
    }

    @Override
    public Shape outputShape(Shape input) {
        throw new IllegalArgumentException(className() + " '" + name + "' merges several inputs, got one");
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        if (inputs.size() < 2 || kind == Kind.SUBTRACT && inputs.size() != 2) {
            throw new IllegalArgumentException(className() + " '" + name + "' takes "
                    + (kind == Kind.SUBTRACT ? "exactly 2" : "at least 2") + " inputs, got " + inputs.size());
        }
        Shape first = inputs.get(0);
        for (Shape s : inputs) {
            boolean sameTime = s.sequence() == first.sequence() && Objects.equals(s.timeSteps(), first.timeSteps());
            boolean sameFeatures = kind == Kind.CONCATENATE
                    ? sameExceptAxis(s.features(), first.features())
                    : Arrays.equals(s.features(), first.features());
            if (!sameTime || !sameFeatures) {
                throw new IllegalArgumentException(className() + " '" + name + "' cannot merge " + first + " with " + s
                        + (kind == Kind.CONCATENATE ? " along feature axis " + axis : ""));
            }
        }
        if (kind != Kind.CONCATENATE) {
            return first;
        }
        int[] f = first.features();
        f[axis] = inputs.stream().mapToInt(s -> s.features()[axis]).sum();
        return first.withFeatures(f);
    }

    private boolean sameExceptAxis(int[] a, int[] b) {
        if (a.length != b.length || axis >= a.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (i != axis && a[i] != b[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public long paramCount() {
        return 0;
    }
}
