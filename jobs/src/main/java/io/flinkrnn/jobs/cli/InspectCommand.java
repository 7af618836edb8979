package io.flinkrnn.jobs.cli;

import io.flinkrnn.engine.InferenceModel;
import io.flinkrnn.engine.Mode;
import io.flinkrnn.model.spec.ModelSpec;
import io.flinkrnn.model.spec.Shape;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code flink-rnn inspect}: what model-io read from a Keras file, and how flink-rnn would stream it. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description =
                "Prints a Keras model's layers, output shapes and parameter counts, and the streaming mode auto picks.")
public final class InspectCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ModelSpec m = model.spec();
        out.print(m.summary());
        out.printf(
                "Input per event: %d %s; output per event: see below%n",
                m.features(), m.inputIsTokens() ? "token id" : "float32 features");
        if (m.inputs().size() > 1) {
            out.printf("Event columns: %s%n", columns(m));
        }
        try {
            InferenceModel compiled = InferenceModel.compile(m, model.engineMode());
            out.printf("Streaming mode: %s — %s%n", compiled.mode(), why(m, compiled.mode()));
            out.printf(
                    "Per event: %d input floats -> %d output floats; state per key: %d floats (%d bytes)%n",
                    compiled.inputSize(),
                    compiled.outputSize(),
                    compiled.stateLayout().size(),
                    compiled.stateLayout().size() * Float.BYTES);
            if (m.outputs().size() > 1) {
                out.printf("Output columns: %s%n", outputColumns(m, compiled.outputSizes()));
            }
        } catch (IllegalArgumentException e) {
            out.printf("Streaming mode: cannot run as asked (--mode %s): %s%n", model.mode, e.getMessage());
            out.flush();
            return 1;
        }
        out.flush();
        return 0;
    }

    /** Which columns of an event feed which input (docs/SEMANTICS.md section 11). */
    private static String columns(ModelSpec m) {
        StringBuilder s = new StringBuilder();
        for (int k = 0, first = 0; k < m.inputs().size(); k++) {
            Shape shape = m.inputs().get(k);
            int last = first + shape.stepSize() - 1;
            s.append(k == 0 ? "input" : ", input_" + k)
                    .append(" x")
                    .append(first)
                    .append("..x")
                    .append(last)
                    .append(shape.sequence() ? " (a step of " + shape + ")" : " (static " + shape + ")");
            first = last + 1;
        }
        return s.toString();
    }

    /** Which columns of an output come from which of the model's outputs (docs/SEMANTICS.md section 11). */
    private static String outputColumns(ModelSpec m, int[] sizes) {
        StringBuilder s = new StringBuilder();
        for (int k = 0, first = 0; k < sizes.length; first += sizes[k], k++) {
            s.append(k == 0 ? "" : ", ")
                    .append(m.tensorName(m.outputs().get(k)))
                    .append(" y")
                    .append(first)
                    .append("..y")
                    .append(first + sizes[k] - 1);
        }
        return s.toString();
    }

    /** The reason docs/SEMANTICS.md section 2 gives for the mode auto (or the user) picked. */
    private String why(ModelSpec m, Mode mode) {
        if (!model.mode.equalsIgnoreCase("auto")) {
            return "asked for with --mode " + model.mode;
        }
        if (m.statefulInConfig()) {
            return "the file was saved with stateful=True: each event continues its key's states";
        }
        if (mode.kind() == Mode.Kind.WINDOW) {
            return "the model takes exactly " + mode.window() + " steps and is not stateful: each event reruns "
                    + "the model over its key's last " + mode.window() + " events, as it was trained";
        }
        return "the model takes sequences of any length and all its layers are causal: each event continues "
                + "its key's states";
    }
}
