package io.flinkrnn.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.spec.BidirectionalSpec;
import io.flinkrnn.model.spec.CellSpec;
import io.flinkrnn.model.spec.ConvLstm2dCellSpec;
import io.flinkrnn.model.spec.DenseSpec;
import io.flinkrnn.model.spec.EmbeddingSpec;
import io.flinkrnn.model.spec.GruCellSpec;
import io.flinkrnn.model.spec.LayerSpec;
import io.flinkrnn.model.spec.LstmCellSpec;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.model.spec.RecurrentSpec;
import io.flinkrnn.model.spec.Shape;
import io.flinkrnn.model.spec.SimpleRnnCellSpec;
import io.flinkrnn.model.spec.StackedCellsSpec;
import io.flinkrnn.model.spec.Tensor;
import io.flinkrnn.model.spec.TimeDistributedSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every model file real Keras wrote for a fixture loads, counts Keras's parameters, agrees with the others. */
class FixtureLoadTest {

    static Stream<Fixture> fixtures() {
        return Fixture.all().stream();
    }

    /** Each way the fixture's model is stored: the .keras archive, the full .h5, JSON + weights. */
    static Map<String, ModelSpec> loadAll(Fixture f) {
        Map<String, ModelSpec> specs = new LinkedHashMap<>();
        f.file("keras").ifPresent(p -> specs.put("keras", KerasModels.load(p)));
        f.file("h5").ifPresent(p -> specs.put("h5", KerasModels.load(p)));
        if (f.file("json").isPresent() && f.file("weights").isPresent()) {
            specs.put(
                    "json+weights",
                    KerasModels.load(f.file("json").get(), f.file("weights").get()));
        }
        return specs;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void everyFileOfTheCaseLoadsWithKerasParameterCount(Fixture f) {
        Map<String, ModelSpec> specs = loadAll(f);
        assertThat(specs).isNotEmpty();
        specs.forEach((kind, spec) -> {
            assertThat(spec.paramCount()).as(f + " " + kind).isEqualTo(f.countParams());
            assertThat(spec.features()).as(f + " " + kind + " features").isEqualTo(f.features());
            assertThat(outputsPerEvent(spec)).as(f + " " + kind + " outputs").isEqualTo(f.outputs());
            assertThat(spec.kerasVersion().major())
                    .as(f + " " + kind)
                    .isEqualTo(Integer.parseInt(f.kerasVersion().substring(0, 1)));
            assertThat(spec.summary()).contains("Total params: " + String.format("%,d", f.countParams()));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void allFormatsOfACaseHoldTheSameWeights(Fixture f) {
        Map<String, ModelSpec> specs = loadAll(f);
        List<Map.Entry<String, ModelSpec>> entries = new ArrayList<>(specs.entrySet());
        Map.Entry<String, ModelSpec> first = entries.get(0);
        for (Map.Entry<String, ModelSpec> other : entries.subList(1, entries.size())) {
            assertThat(tensors(other.getValue()))
                    .as(f + ": " + other.getKey() + " vs " + first.getKey())
                    .isEqualTo(tensors(first.getValue()));
            assertThat(other.getValue().outputShapes())
                    .isEqualTo(first.getValue().outputShapes());
            assertThat(other.getValue().layers())
                    .extracting(LayerSpec::className)
                    .isEqualTo(first.getValue().layers().stream()
                            .map(LayerSpec::className)
                            .toList());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void statefulnessAndInputMatchTheCase(Fixture f) {
        boolean saved = f.meta().path("saved_stateful").asBoolean();
        loadAll(f)
                .forEach((kind, spec) ->
                        assertThat(spec.statefulInConfig()).as(f + " " + kind).isEqualTo(saved));
    }

    /** A fixed-length output sequence is emitted whole per event, otherwise one step of it. */
    static int outputsPerEvent(ModelSpec spec) {
        Shape out = spec.outputShape();
        return out.stepSize() * (out.sequence() && out.timeSteps() != null ? out.timeSteps() : 1);
    }

    /** All weight tensors of a model in layer order. */
    static List<Tensor> tensors(ModelSpec spec) {
        List<Tensor> out = new ArrayList<>();
        spec.layers().forEach(l -> collect(l, out));
        return out;
    }

    private static void collect(LayerSpec layer, List<Tensor> out) {
        if (layer instanceof RecurrentSpec r) {
            collect(r.cell(), out);
        } else if (layer instanceof BidirectionalSpec b) {
            collect(b.forward(), out);
            collect(b.backward(), out);
        } else if (layer instanceof DenseSpec d) {
            add(out, d.kernel(), d.bias());
        } else if (layer instanceof TimeDistributedSpec t) {
            collect(t.layer(), out);
        } else if (layer instanceof EmbeddingSpec e) {
            add(out, e.embeddings());
        }
    }

    private static void collect(CellSpec cell, List<Tensor> out) {
        if (cell instanceof LstmCellSpec c) {
            add(out, c.kernel(), c.recurrentKernel(), c.bias());
        } else if (cell instanceof GruCellSpec c) {
            add(out, c.kernel(), c.recurrentKernel(), c.bias());
        } else if (cell instanceof SimpleRnnCellSpec c) {
            add(out, c.kernel(), c.recurrentKernel(), c.bias());
        } else if (cell instanceof ConvLstm2dCellSpec c) {
            add(out, c.kernel(), c.recurrentKernel(), c.bias());
        } else if (cell instanceof StackedCellsSpec s) {
            s.cells().forEach(c -> collect(c, out));
        }
    }

    private static void add(List<Tensor> out, Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null) {
                out.add(t);
            }
        }
    }
}
