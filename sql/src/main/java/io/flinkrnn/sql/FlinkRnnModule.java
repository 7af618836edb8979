package io.flinkrnn.sql;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.table.functions.FunctionDefinition;
import org.apache.flink.table.module.Module;

/**
 * The flink-rnn SQL module: {@code LOAD MODULE flinkrnn} makes {@code RNN_INFER} a built-in function
 * of the session, as Flink's own modules add theirs. The {@code flink-rnn} model provider for {@code
 * ML_PREDICT} needs no module: Flink finds it by its identifier on the classpath.
 */
public final class FlinkRnnModule implements Module {

    @Override
    public Set<String> listFunctions() {
        return Set.of(RnnInferFunction.NAME.toLowerCase(Locale.ROOT));
    }

    @Override
    public Optional<FunctionDefinition> getFunctionDefinition(String name) {
        return name.equalsIgnoreCase(RnnInferFunction.NAME) ? Optional.of(new RnnInferFunction()) : Optional.empty();
    }
}
