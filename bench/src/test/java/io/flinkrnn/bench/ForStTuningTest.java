package io.flinkrnn.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.operators.state.RocksDbDefaults;
import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.state.forst.ForStConfigurableOptions;
import org.junit.jupiter.api.Test;

/**
 * The job bench's ForSt runs take the tuned RocksDB's options under ForSt's prefix: each must be an
 * option ForSt has, with a value it parses and that differs from its default, or the "same tuning"
 * beside RocksDB would silently be ForSt's defaults.
 */
class ForStTuningTest {

    @Test
    void forStTakesEveryTunedRocksDbOptionUnderItsOwnPrefix() throws Exception {
        Map<String, ConfigOption<?>> forst = new HashMap<>();
        for (Field field : ForStConfigurableOptions.class.getFields()) {
            if (field.get(null) instanceof ConfigOption<?> option) {
                forst.put(option.key(), option);
            }
        }
        Map<String, String> tuning = JobCommand.forstTuning();
        assertThat(tuning)
                .hasSameSizeAs(RocksDbDefaults.applyTo(new Configuration()).toMap());
        Configuration tuned = Configuration.fromMap(tuning);
        for (String key : tuning.keySet()) {
            assertThat(forst).as("ForSt option %s", key).containsKey(key);
            ConfigOption<?> option = forst.get(key);
            assertThat((Object) tuned.get(option)).as(key).isNotEqualTo(option.defaultValue());
        }
    }
}
