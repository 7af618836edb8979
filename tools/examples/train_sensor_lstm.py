"""Trains a sensor forecaster in Keras on synthetic data and saves it where flink-rnn reads models.

Every sensor emits a seasonal signal with its own amplitude, phase and offset plus noise (the formula
of the demo's SensorSignal, so `flink-rnn.jar produce` streams matching events). The model reads one
reading per event and forecasts the next one; it is saved with a free time axis, so flink-rnn serves
it in stateful mode: every sensor (Kafka key) is one row of a stateful Keras RNN.

Run:   .venv/bin/python tools/examples/train_sensor_lstm.py [--units 32] [--epochs 30] [--out models/sensor-lstm.keras]
Then:  java -jar jobs/target/flink-rnn.jar inspect --model models/sensor-lstm.keras
       FLINK_RNN_MODEL=sensor-lstm.keras docker compose up -d      (see README, "Run on Kafka")

--demo trains the small model bundled with `flink-rnn.jar demo` (LSTM(16), seed 7) and writes it with
its anomaly threshold to jobs/src/main/resources/io/flinkrnn/jobs/demo/.
"""
import argparse
import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402
import numpy as np  # noqa: E402

PERIOD = 48.0  # steps per season, SensorSignal.PERIOD
NOISE = 0.05  # SensorSignal.NOISE
ROOT = pathlib.Path(__file__).resolve().parents[2]
DEMO = ROOT / "jobs/src/main/resources/io/flinkrnn/jobs/demo"
WARMUP = 24  # events before the demo flags anomalies: the state needs a few seasons' worth of steps


def signals(rng, count, steps):
    t = np.arange(steps + 1, dtype=np.float64)
    amplitude = rng.uniform(0.5, 1.5, size=(count, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(count, 1))
    offset = rng.uniform(-0.5, 0.5, size=(count, 1))
    clean = offset + amplitude * np.sin(2 * np.pi * t / PERIOD + phase)
    return (clean + rng.normal(0, NOISE, size=clean.shape)).astype(np.float32)


def train(units, epochs, seed, name):
    keras.utils.set_random_seed(seed)
    series = signals(np.random.default_rng(seed), 256, 240)
    # Many-to-many: the forecast of step t+1 after every step t, trained on whole sequences.
    x, y = series[:, :-1, None], series[:, 1:, None]
    model = keras.Sequential(
        [
            keras.Input(shape=(None, 1), name="reading"),
            keras.layers.LSTM(units, return_sequences=True, name="lstm"),
            keras.layers.Dense(1, name="next_reading"),
        ],
        name=name,
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=2)
    held_out = signals(np.random.default_rng(seed + 1), 32, 240)
    residual = model.predict(held_out[:, :-1, None], verbose=0)[:, WARMUP:, 0] - held_out[:, WARMUP + 1 :]
    return model, float(np.std(residual))


def main():
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--units", type=int, default=32)
    args.add_argument("--epochs", type=int, default=30)
    args.add_argument("--out", type=pathlib.Path, default=ROOT / "models" / "sensor-lstm.keras")
    args.add_argument("--demo", action="store_true", help="write the demo's bundled model instead")
    a = args.parse_args()

    if a.demo:
        model, sigma = train(16, 40, 7, "sensor_forecaster")
        DEMO.mkdir(parents=True, exist_ok=True)
        model.save(DEMO / "sensor-forecaster.keras")
        meta = {
            "model": "sensor-forecaster.keras",
            "keras_version": keras.__version__,
            "period": PERIOD,
            "noise": NOISE,
            "residual_sigma": sigma,
            "anomaly_threshold": round(6 * sigma, 4),
            "warmup_events": WARMUP,
        }
        (DEMO / "sensor-forecaster.json").write_text(json.dumps(meta, indent=2) + "\n")
        print(json.dumps(meta))
        return
    model, sigma = train(a.units, a.epochs, 11, "sensor_lstm")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(a.out)
    print(f"saved {a.out} (held-out residual sigma {sigma:.4f}, noise {NOISE})")


if __name__ == "__main__":
    main()
