"""Exports the bench's Keras models to ONNX for the ONNX Runtime peer in `compare` (bench/models/*.onnx).

Run with the fixture venv plus this folder's pins:

    .venv/bin/pip install -r bench/models/requirements-onnx.txt
    .venv/bin/python bench/models/export_onnx.py

Each model gets two graphs, converted by tf2onnx (which turns Keras LSTMs into ONNX's fused `LSTM` op):
- `<model>.window.onnx`: the model as saved, input `x` [batch, time, 12], output `y`;
- `<model>.step.onnx`: one time step with the recurrent states as explicit inputs and outputs, which is how a
  Flink operator that keeps each key's states itself must run a stateless runtime. Inputs `x` [batch, 1, 12]
  and, per LSTM layer i (1-based), `h<i>` and `c<i>` [batch, units]; outputs `y` and `h<i>_out`, `c<i>_out`.
  It is built in Keras from the saved model's weights (`initial_state` inputs, `return_state=True`).
Before it is written, each graph is run in ONNX Runtime against Keras on the same random inputs (the step graph
chained over a whole sequence against the saved model on that sequence); the max abs diff is printed and must
be within TOLERANCE. A re-run may name internal nodes differently (tf2onnx dedups identical constants in no fixed
order), never the graphs' inputs and outputs or their numbers.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Keras as the fixture generator runs it: without oneDNN's reordered float sums.
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import onnx
import onnxruntime as ort
import tensorflow as tf
import tf2onnx
import tf_keras as keras

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = ("lstm96x2_window4.h5", "lstm64x2_window4.h5", "lstm64_seq.h5")
OPSET = 17
TOLERANCE = 1e-5
STEPS = 4
BATCH = 8


def window_model(model):
    """The saved model itself (its layers, shared), with the graph's input named x and its output y."""
    x = keras.Input(shape=model.input_shape[1:], name="x")
    y = x
    for layer in model.layers:
        y = layer(y)
    return keras.Model(x, keras.layers.Activation("linear", name="y")(y), name=model.name + "_window")


def step_model(model):
    """The saved model as one time step, each LSTM's states an input and an output of the graph."""
    features = model.input_shape[-1]
    x = keras.Input(shape=(1, features), name="x")
    inputs, state_outputs = [x], []
    y = x
    lstm = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.LSTM):
            lstm += 1
            units = layer.units
            h = keras.Input(shape=(units,), name=f"h{lstm}")
            c = keras.Input(shape=(units,), name=f"c{lstm}")
            inputs += [h, c]
            config = dict(layer.get_config(), return_state=True, stateful=False)
            copy = keras.layers.LSTM.from_config(config)
            y, h_out, c_out = copy(y, initial_state=[h, c])
            copy.set_weights(layer.get_weights())
            # Named identities, so the graph's outputs have names the Java side can find.
            state_outputs += [
                keras.layers.Activation("linear", name=f"h{lstm}_out")(h_out),
                keras.layers.Activation("linear", name=f"c{lstm}_out")(c_out),
            ]
        else:
            copy = layer.__class__.from_config(layer.get_config())
            y = copy(y)
            copy.set_weights(layer.get_weights())
    y = keras.layers.Activation("linear", name="y")(y)
    return keras.Model(inputs, [y] + state_outputs, name=model.name + "_step")


def convert(model):
    """The model's ONNX graph, and an ONNX Runtime session over it."""
    signature = [
        tf.TensorSpec((None,) + tuple(t.shape[1:]), tf.float32, name=name)
        for name, t in zip(model.input_names, model.inputs)
    ]
    proto, _ = tf2onnx.convert.from_keras(model, input_signature=signature, opset=OPSET)
    onnx.checker.check_model(proto)
    return proto, ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])


def save(proto, name):
    path = os.path.join(HERE, name)
    onnx.save(proto, path)
    ops = sorted({n.op_type for n in proto.graph.node})
    print(f"  {name}: {os.path.getsize(path)} bytes, ops {', '.join(ops)}")


def check(name, expected, actual):
    diff = float(np.max(np.abs(np.asarray(expected) - np.asarray(actual))))
    print(f"  {name}: max abs diff vs Keras {diff:.1e}")
    if not diff <= TOLERANCE:
        raise SystemExit(f"{name}: ONNX differs from Keras by {diff} > {TOLERANCE}")


def export(file):
    stem = file[: -len(".h5")]
    model = keras.models.load_model(os.path.join(HERE, file), compile=False)
    print(f"{file}: tf2onnx {tf2onnx.__version__}, opset {OPSET}, onnxruntime {ort.__version__}")
    time_steps = model.input_shape[1] or STEPS
    x = np.random.default_rng(1).standard_normal((BATCH, time_steps, model.input_shape[-1])).astype("float32")
    expected = model.predict(x, verbose=0)

    proto, window = convert(window_model(model))
    check(f"{stem}.window.onnx", expected, window.run(None, {"x": x})[0])
    save(proto, f"{stem}.window.onnx")

    proto, session = convert(step_model(model))
    states = {i.name: np.zeros((BATCH, i.shape[1]), "float32") for i in session.get_inputs() if i.name != "x"}
    outputs = [o.name for o in session.get_outputs()]
    steps = []
    for t in range(time_steps):
        result = dict(zip(outputs, session.run(outputs, dict(states, x=x[:, t : t + 1]))))
        states = {s: result[s + "_out"] for s in states}
        steps.append(result["y"])
    # A many-to-one model's output is the last step's; a sequence model's is every step's.
    chained = steps[-1] if expected.ndim == 2 else np.concatenate(steps, axis=1)
    check(f"{stem}.step.onnx over {time_steps} chained steps", expected, chained.reshape(expected.shape))
    save(proto, f"{stem}.step.onnx")


def main():
    for file in MODELS:
        export(file)


if __name__ == "__main__":
    main()
