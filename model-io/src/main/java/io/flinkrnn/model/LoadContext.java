package io.flinkrnn.model;

import io.flinkrnn.model.spec.KerasVersion;

/**
 * What every message needs: the file being read, and the Keras version that decides defaults; and
 * the limits the file's declared sizes are checked against.
 */
record LoadContext(String file, KerasVersion version, LoadLimits limits) {

    int major() {
        return version.major();
    }

    ModelLoadException fail(String what) {
        return new ModelLoadException(file + ": " + what);
    }
}
