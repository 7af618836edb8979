package io.flinkrnn.jobs.cli;

import java.time.Duration;
import org.apache.flink.util.TimeUtils;
import picocli.CommandLine;

/** Reads a duration the way Flink's configuration does: {@code 30 s}, {@code 5min}, {@code 2h}, {@code 7d}. */
final class FlinkDuration implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        try {
            return TimeUtils.parseDuration(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' is not a duration such as 30s, 5min, 2h or 7d");
        }
    }
}
