"""Writes the Keras 2 .h5 files the benchmarks run (bench/models/*.h5).

Run with the fixture venv (tf_keras, i.e. Keras 2 on TensorFlow):

    .venv/bin/python bench/models/make_bench_models.py

The reference model, LSTM(96) x 2, was first saved by Keras 2.0.8, which does not install on a current Python,
so these files are written by tf_keras (Keras 2.x API, the same HDF5 layout and config schema).
Weights are Keras's default initializers (glorot_uniform, orthogonal) under a fixed seed: the
benchmark times arithmetic, it does not need a trained model. DL4J's importer crashes on the
orthogonal initializer in the config, so the benchmark replaces initializers on a temporary copy.
After changing a model, re-run export_onnx.py beside this file: the ONNX Runtime peer's graphs.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import tensorflow as tf
import tf_keras as keras

HERE = os.path.dirname(os.path.abspath(__file__))
FEATURES = 12
WINDOW = 4


def save(model, name):
    path = os.path.join(HERE, name)
    model.save(path, save_format="h5", include_optimizer=False)
    print(f"{name}: {model.count_params()} parameters, {os.path.getsize(path)} bytes")


def main():
    keras.utils.set_random_seed(9)
    # The reference model: LSTM(96) x 2 -> Dense(1), 12 features, 4-step windows, many-to-one.
    save(
        keras.Sequential(
            [
                keras.Input(shape=(WINDOW, FEATURES)),
                keras.layers.LSTM(96, return_sequences=True),
                keras.layers.LSTM(96),
                keras.layers.Dense(1),
            ],
            name="lstm96x2",
        ),
        "lstm96x2_window4.h5",
    )
    # LSTM(64) x 2 -> Dense(1), same input.
    save(
        keras.Sequential(
            [
                keras.Input(shape=(WINDOW, FEATURES)),
                keras.layers.LSTM(64, return_sequences=True),
                keras.layers.LSTM(64),
                keras.layers.Dense(1),
            ],
            name="lstm64x2",
        ),
        "lstm64x2_window4.h5",
    )
    # Stateful comparison: one LSTM with return_sequences=True and no head, any length, which DL4J's
    # rnnTimeStep can run.
    save(
        keras.Sequential(
            [
                keras.Input(shape=(None, FEATURES)),
                keras.layers.LSTM(64, return_sequences=True),
            ],
            name="lstm64_seq",
        ),
        "lstm64_seq.h5",
    )
    # Self-check: what Keras predicts for a fixed input, for the record.
    x = np.random.default_rng(0).standard_normal((2, WINDOW, FEATURES)).astype("float32")
    for name in ("lstm96x2_window4.h5", "lstm64x2_window4.h5", "lstm64_seq.h5"):
        m = keras.models.load_model(os.path.join(HERE, name), compile=False)
        print(name, np.asarray(m.predict(x, verbose=0)).reshape(2, -1)[:, :3].tolist())


if __name__ == "__main__":
    main()
