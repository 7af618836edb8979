package io.flinkrnn.operators.internal.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.operators.ModelSource;
import io.flinkrnn.operators.internal.RnnSettings;
import io.flinkrnn.operators.store.ModelStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TaskManager-wide model cache keeps the latest versions of each model, not every one it served. */
class ModelLoaderTest {

    private static final Path LSTM =
            Fixture.named("keras3_lstm_seq").file("keras").orElseThrow();

    @TempDir
    Path root;

    private String load(ModelStore store, String version) {
        ModelSource source = ModelSource.fromStore(store.uri(), "sensors", version);
        return ModelLoader.load(source, RnnSettings.defaults(source)).version();
    }

    @Test
    void olderVersionsLeaveTheCacheAndAreReadAgainWhenAskedFor() {
        ModelStore store = ModelStore.at(root.toUri().toString());
        for (String v : new String[] {"1", "2", "3"}) {
            store.put("sensors", LSTM, null, v);
        }
        ModelSource model = ModelSource.fromStore(store.uri(), "sensors", "latest");

        assertThat(load(store, "1")).isEqualTo("1");
        assertThat(load(store, "2")).isEqualTo("2");
        assertThat(ModelLoader.cachedVersions(model)).containsExactly("1", "2");
        assertThat(load(store, "latest")).isEqualTo("3");
        assertThat(ModelLoader.cachedVersions(model))
                .hasSize(ModelLoader.VERSIONS_KEPT)
                .containsExactly("2", "3");

        // The evicted version is fetched again, hashes checked, and becomes the most recent.
        assertThat(load(store, "1")).isEqualTo("1");
        assertThat(ModelLoader.cachedVersions(model)).containsExactly("3", "1");
        // Loading a cached version again makes it the most recent without reading it.
        assertThat(load(store, "3")).isEqualTo("3");
        assertThat(ModelLoader.cachedVersions(model)).containsExactly("1", "3");
    }
}
