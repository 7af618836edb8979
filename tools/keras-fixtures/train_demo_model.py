"""Trains the small model bundled with `flink-rnn.jar demo`: a next-step forecaster for sensors.

Each sensor emits a seasonal signal with its own amplitude, phase and offset plus noise; the model
reads one reading per event and predicts the next. In the demo, a reading far from the forecast made
one step earlier is flagged as an anomaly. The signal here and the demo's generator
(jobs/.../demo/SensorSignal.java) follow the same formula.

Run: .venv/bin/python tools/keras-fixtures/train_demo_model.py
Writes jobs/src/main/resources/io/flinkrnn/jobs/demo/{sensor-forecaster.keras,sensor-forecaster.json}.
"""
import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402
import numpy as np  # noqa: E402

PERIOD = 48.0  # steps per season, SensorSignal.PERIOD
NOISE = 0.05  # SensorSignal.NOISE
OUT = pathlib.Path(__file__).resolve().parents[2] / "jobs/src/main/resources/io/flinkrnn/jobs/demo"


def signals(rng, count, steps):
    t = np.arange(steps + 1, dtype=np.float64)
    amplitude = rng.uniform(0.5, 1.5, size=(count, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(count, 1))
    offset = rng.uniform(-0.5, 0.5, size=(count, 1))
    clean = offset + amplitude * np.sin(2 * np.pi * t / PERIOD + phase)
    return (clean + rng.normal(0, NOISE, size=clean.shape)).astype(np.float32)


def main():
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    series = signals(rng, 256, 240)
    x, y = series[:, :-1, None], series[:, 1:, None]

    model = keras.Sequential(
        [
            keras.Input(shape=(None, 1), name="reading"),
            keras.layers.LSTM(16, return_sequences=True, name="lstm"),
            keras.layers.Dense(1, name="next_reading"),
        ],
        name="sensor_forecaster",
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    model.fit(x, y, epochs=40, batch_size=32, verbose=2)

    held_out = signals(np.random.default_rng(8), 32, 240)
    residual = model.predict(held_out[:, :-1, None], verbose=0)[:, 24:, 0] - held_out[:, 25:]
    sigma = float(np.std(residual))
    OUT.mkdir(parents=True, exist_ok=True)
    model.save(OUT / "sensor-forecaster.keras")
    meta = {
        "model": "sensor-forecaster.keras",
        "keras_version": keras.__version__,
        "period": PERIOD,
        "noise": NOISE,
        "residual_sigma": sigma,
        "anomaly_threshold": round(6 * sigma, 4),
        "warmup_events": 24,
    }
    (OUT / "sensor-forecaster.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
