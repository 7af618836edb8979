package io.flinkrnn.model;

import io.flinkrnn.model.fixtures.Fixture;
import io.flinkrnn.model.spec.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * One real Keras file of a fixture (or a JSON config with its weights) that {@link LoaderFuzzTest}
 * mutates, with what it loads to unmutated and where its HDF5 structures are.
 *
 * @param weights the weights file of a JSON pair, else {@code null}
 * @param h5 the structures of the base's HDF5 bytes (a .keras archive's {@code model.weights.h5})
 */
record FuzzBase(String label, Kind kind, byte[] main, byte[] weights, H5Structure h5, ModelSpec original) {

    enum Kind {
        KERAS,
        H5,
        JSON_WEIGHTS
    }

    /** Every model file of every fixture. */
    static List<FuzzBase> all() throws IOException {
        List<FuzzBase> out = new ArrayList<>();
        for (Fixture f : Fixture.all()) {
            if (f.file("keras").isPresent()) {
                byte[] archive = Files.readAllBytes(f.file("keras").get());
                out.add(new FuzzBase(
                        f.name() + " .keras",
                        Kind.KERAS,
                        archive,
                        null,
                        H5Structure.of(entry(ZipBytes.entriesOf(archive), KerasArchive.WEIGHTS)),
                        KerasModels.load(f.file("keras").get())));
            }
            if (f.file("h5").isPresent()) {
                byte[] h5 = Files.readAllBytes(f.file("h5").get());
                out.add(new FuzzBase(
                        f.name() + " .h5",
                        Kind.H5,
                        h5,
                        null,
                        H5Structure.of(h5),
                        KerasModels.load(f.file("h5").get())));
            }
            if (f.file("json").isPresent() && f.file("weights").isPresent()) {
                byte[] weights = Files.readAllBytes(f.file("weights").get());
                out.add(new FuzzBase(
                        f.name() + " json+weights",
                        Kind.JSON_WEIGHTS,
                        Files.readAllBytes(f.file("json").get()),
                        weights,
                        H5Structure.of(weights),
                        KerasModels.load(f.file("json").get(), f.file("weights").get())));
            }
        }
        return out;
    }

    byte[] hdf5() {
        return switch (kind) {
            case KERAS -> entry(KerasArchive.WEIGHTS);
            case H5 -> main;
            case JSON_WEIGHTS -> weights;
        };
    }

    List<ZipBytes.Entry> entries() {
        return new ArrayList<>(ZipBytes.entriesOf(main));
    }

    byte[] entry(String name) {
        return entry(entries(), name);
    }

    private static byte[] entry(List<ZipBytes.Entry> entries, String name) {
        return entries.stream()
                .filter(e -> e.name().equals(name))
                .findFirst()
                .orElseThrow()
                .data();
    }

    String extension() {
        return switch (kind) {
            case KERAS -> "keras";
            case H5 -> "h5";
            case JSON_WEIGHTS -> "json";
        };
    }
}
