"""Trains a sensor forecaster in Keras on synthetic data and saves it where the Kafka job reads models.

Every sensor emits a seasonal signal with its own amplitude, phase and offset plus noise (the formula
of the demo's SensorSignal, so `flink-rnn.jar produce` streams matching events). The model reads one
reading per event and forecasts the next one; it is saved with a free time axis, so the job serves
it in stateful mode: every sensor (Kafka key) is one row of a stateful Keras RNN.

Run:   .venv/bin/python tools/examples/train_sensor_lstm.py [--units 32] [--epochs 30] [--out models/sensor-lstm.keras]
Then:  java -jar jobs/target/flink-rnn.jar inspect --model models/sensor-lstm.keras
       FLINK_RNN_MODEL=sensor-lstm.keras docker compose up -d      (see jobs/RUN.md)
"""
import argparse
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402
import numpy as np  # noqa: E402

PERIOD = 48.0  # steps per season, SensorSignal.PERIOD
NOISE = 0.05  # SensorSignal.NOISE
ROOT = pathlib.Path(__file__).resolve().parents[2]


def signals(rng, count, steps):
    t = np.arange(steps + 1, dtype=np.float64)
    amplitude = rng.uniform(0.5, 1.5, size=(count, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(count, 1))
    offset = rng.uniform(-0.5, 0.5, size=(count, 1))
    clean = offset + amplitude * np.sin(2 * np.pi * t / PERIOD + phase)
    return (clean + rng.normal(0, NOISE, size=clean.shape)).astype(np.float32)


def main():
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--units", type=int, default=32)
    args.add_argument("--epochs", type=int, default=30)
    args.add_argument("--out", type=pathlib.Path, default=ROOT / "models" / "sensor-lstm.keras")
    a = args.parse_args()

    keras.utils.set_random_seed(11)
    series = signals(np.random.default_rng(11), 256, 240)
    # Many-to-many: the forecast of step t+1 after every step t, trained on whole sequences.
    x, y = series[:, :-1, None], series[:, 1:, None]
    model = keras.Sequential(
        [
            keras.Input(shape=(None, 1), name="reading"),
            keras.layers.LSTM(a.units, return_sequences=True, name="lstm"),
            keras.layers.Dense(1, name="next_reading"),
        ],
        name="sensor_lstm",
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    model.fit(x, y, epochs=a.epochs, batch_size=32, verbose=2)

    held_out = signals(np.random.default_rng(12), 32, 240)
    mse = float(model.evaluate(held_out[:, :-1, None], held_out[:, 1:, None], verbose=0))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(a.out)
    print(f"saved {a.out} (held-out mse {mse:.5f}, noise floor {NOISE ** 2:.5f})")


if __name__ == "__main__":
    main()
