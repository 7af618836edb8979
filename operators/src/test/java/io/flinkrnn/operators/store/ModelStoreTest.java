package io.flinkrnn.operators.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkrnn.model.KerasModels;
import io.flinkrnn.model.ModelLoadException;
import io.flinkrnn.model.fixtures.Fixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {

    private static final Fixture V1 = Fixture.named("keras3_lstm_seq");
    private static final Fixture V2 = Fixture.named("keras2_lstm_seq");

    @TempDir
    Path root;

    private ModelStore store;

    @BeforeEach
    void open() {
        store = ModelStore.at(root.toUri().toString());
    }

    @Test
    void putListResolveAndFetchVersions() {
        ModelManifest v1 = store.put("sensors", V1.file("keras").orElseThrow(), null, null);
        ModelManifest v2 = store.put(
                "sensors", V2.file("json").orElseThrow(), V2.file("weights").orElseThrow(), null);
        assertThat(v1.version()).isEqualTo("1");
        assertThat(v2.version()).isEqualTo("2");
        assertThat(v1.kerasVersion()).isEqualTo(V1.kerasVersion());
        assertThat(v1.params()).isEqualTo(V1.countParams());
        assertThat(v2.files()).extracting(ModelManifest.StoredFile::role).containsExactly("model", "weights");
        assertThat(store.list("sensors")).extracting(ModelManifest::version).containsExactly("1", "2");
        assertThat(store.resolve("sensors", "latest").version()).isEqualTo("2");

        ModelStore.StoredModel fetched = store.fetch("sensors", "1");
        assertThat(fetched.spec().layers())
                .isEqualTo(KerasModels.load(V1.file("keras").orElseThrow()).layers());
        assertThat(store.verify(null, null)).isEmpty();
    }

    @Test
    void tamperedFileIsCaughtByVerifyAndByFetch() throws Exception {
        ModelManifest m = store.put("sensors", V1.file("keras").orElseThrow(), null, "v1");
        Path stored =
                root.resolve("sensors").resolve("v1").resolve(m.file("model").name());
        Files.write(stored, new byte[] {1, 2, 3}, StandardOpenOption.APPEND);

        assertThat(store.verify("sensors", "v1"))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains(stored.getFileName().toString())
                .contains("does not match the manifest's " + m.file("model").sha256());
        assertThatThrownBy(() -> store.fetch("sensors", "latest"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("refusing to load sensors version v1");
    }

    @Test
    void refusesAModelItCannotRunAndWritesNothing() throws Exception {
        Path broken = root.resolve("broken.h5");
        Files.write(broken, new byte[] {'n', 'o', 't', ' ', 'h', 'd', 'f'});
        ModelStore elsewhere = ModelStore.at(root.resolve("store").toUri().toString());
        assertThatThrownBy(() -> elsewhere.put("broken", broken, null, null)).isInstanceOf(ModelLoadException.class);
        assertThat(elsewhere.list(null)).isEmpty();
    }

    @Test
    void refusesAnExistingVersionAndBadNames() {
        store.put("sensors", V1.file("keras").orElseThrow(), null, "7");
        assertThatThrownBy(() -> store.put("sensors", V1.file("keras").orElseThrow(), null, "7"))
                .hasMessage("model sensors version 7 already exists in " + store.uri());
        assertThatThrownBy(() -> store.put("../etc", V1.file("keras").orElseThrow(), null, null))
                .hasMessageStartingWith("model name '../etc' must be");
        assertThatThrownBy(() -> store.resolve("nope", "latest")).hasMessage("no model named nope in " + store.uri());
    }
}
