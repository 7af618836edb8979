package io.flinkrnn.sql;

import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.table.factories.ModuleFactory;
import org.apache.flink.table.module.Module;

/** Creates {@link FlinkRnnModule} for {@code LOAD MODULE flinkrnn}. */
public final class FlinkRnnModuleFactory implements ModuleFactory {

    /** The module's name in {@code LOAD MODULE}. */
    public static final String IDENTIFIER = "flinkrnn";

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of();
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of();
    }

    @Override
    public Module createModule(Context context) {
        return new FlinkRnnModule();
    }
}
