package io.flinkrnn.sql;

import io.flinkrnn.operators.internal.model.ModelLoader;
import java.util.List;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.ModelProviderFactory;
import org.apache.flink.table.ml.ModelProvider;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * The {@code flink-rnn} model provider for {@code ML_PREDICT}: stateless window mode, each row's
 * window one {@code model.predict(window)} (docs/SEMANTICS.md section 2).
 *
 * <pre>{@code
 * CREATE MODEL sensor_forecaster
 *   INPUT (window ARRAY<ARRAY<FLOAT>>) OUTPUT (y ARRAY<FLOAT>)
 *   WITH ('provider' = 'flink-rnn', 'path' = '/models/sensor.keras');
 * }</pre>
 *
 * The model is read when the statement is planned, so a file it cannot serve, a model with no fixed
 * window length and no {@code window} option, or input and output columns of other types fail the
 * statement with one line before any job starts.
 */
public final class RnnModelProviderFactory implements ModelProviderFactory {

    public static final String IDENTIFIER = "flink-rnn";

    public static final ConfigOption<String> PATH = ConfigOptions.key("path")
            .stringType()
            .noDefaultValue()
            .withDescription("The Keras model file (.h5, .keras) at a path every TaskManager can read.");

    public static final ConfigOption<String> STORE = ConfigOptions.key("store")
            .stringType()
            .noDefaultValue()
            .withDescription("A flink-rnn model store URI; with 'name' instead of 'path'.");

    public static final ConfigOption<String> NAME =
            ConfigOptions.key("name").stringType().noDefaultValue().withDescription("The model's name in the store.");

    public static final ConfigOption<String> VERSION = ConfigOptions.key("version")
            .stringType()
            .noDefaultValue()
            .withDescription("The store version (default: latest), or for a file the label outputs carry.");

    public static final ConfigOption<Integer> WINDOW = ConfigOptions.key("window")
            .intType()
            .noDefaultValue()
            .withDescription("The window length N; default: the model's fixed input length.");

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
        return Set.of(PATH, STORE, NAME, VERSION, WINDOW);
    }

    @Override
    public ModelProvider createModelProvider(Context context) {
        FactoryUtil.ModelProviderFactoryHelper helper = FactoryUtil.createModelProviderFactoryHelper(this, context);
        helper.validate();
        String model = context.getObjectIdentifier().asSummaryString();
        ModelRef ref = ref(helper.getOptions(), model);
        ModelLoader.Loaded loaded;
        try {
            loaded = ref.load();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("model " + model + ": " + e.getMessage(), e);
        }
        boolean doubles = checkInput(context.getCatalogModel().getResolvedInputSchema(), model);
        checkOutput(context.getCatalogModel().getResolvedOutputSchema(), model);
        return new WindowModelProvider(ref, loaded.model().mode().window(), doubles);
    }

    private static ModelRef ref(ReadableConfig options, String model) {
        String path = options.getOptional(PATH).orElse(null);
        String store = options.getOptional(STORE).orElse(null);
        String name = options.getOptional(NAME).orElse(null);
        if ((path == null) == (store == null) || (store == null) != (name == null)) {
            throw new IllegalArgumentException("model " + model
                    + " needs either 'path' (a Keras file) or 'store' and 'name' (a model store's model)");
        }
        return new ModelRef(
                path != null ? path : name,
                store,
                options.getOptional(VERSION).orElse(null),
                "window",
                options.getOptional(WINDOW).orElse(null));
    }

    /** @return whether the window's numbers are DOUBLE rather than FLOAT */
    private static boolean checkInput(ResolvedSchema input, String model) {
        List<Column> columns = input.getColumns();
        LogicalType type = columns.size() == 1 ? columns.get(0).getDataType().getLogicalType() : null;
        LogicalType element = type instanceof ArrayType outer && outer.getElementType() instanceof ArrayType inner
                ? inner.getElementType()
                : null;
        if (element == null
                || (element.getTypeRoot() != LogicalTypeRoot.FLOAT
                        && element.getTypeRoot() != LogicalTypeRoot.DOUBLE)) {
            throw new IllegalArgumentException("model " + model + " takes one INPUT column ARRAY<ARRAY<FLOAT>> "
                    + "(a window of events, oldest first, each event's features), not " + input.getColumns());
        }
        return element.getTypeRoot() == LogicalTypeRoot.DOUBLE;
    }

    private static void checkOutput(ResolvedSchema output, String model) {
        List<Column> columns = output.getColumns();
        LogicalType type = columns.size() == 1 ? columns.get(0).getDataType().getLogicalType() : null;
        if (!(type instanceof ArrayType array) || array.getElementType().getTypeRoot() != LogicalTypeRoot.FLOAT) {
            throw new IllegalArgumentException(
                    "model " + model + " has one OUTPUT column ARRAY<FLOAT>, not " + output.getColumns());
        }
    }
}
