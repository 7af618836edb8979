package io.flinkrnn.operators.internal;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Enum-typed options read with a one-line error that lists the values as users write them ({@code
 * auto, stateful or window}), where Flink's own says only that it could not parse the value.
 */
@Internal
public final class EnumOptions {

    private EnumOptions() {}

    /**
     * The value of {@code option}, which must have a default (its type comes from it).
     *
     * @param what the subject of the error, e.g. the option's key
     * @throws IllegalArgumentException {@code <what> is a, b or c; got '<value>'}
     */
    public static <E extends Enum<E>> E get(ReadableConfig config, ConfigOption<E> option, String what) {
        try {
            return config.get(option);
        } catch (IllegalArgumentException e) {
            throw unknown(
                    option.defaultValue().getDeclaringClass(), config.toMap().get(option.key()), what);
        }
    }

    /** {@code value} as a constant of {@code type}, in any case; throws like {@link #get}. */
    public static <E extends Enum<E>> E parse(Class<E> type, String value, String what) {
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(value.trim())) {
                return constant;
            }
        }
        throw unknown(type, value, what);
    }

    /** How users write {@code constant}: {@code STATEFUL} is {@code stateful}. */
    public static String name(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }

    private static IllegalArgumentException unknown(Class<? extends Enum<?>> type, String value, String what) {
        List<String> names =
                Arrays.stream(type.getEnumConstants()).map(EnumOptions::name).toList();
        String choices = String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
        return new IllegalArgumentException(what + " is " + choices + "; got '" + value + "'");
    }
}
