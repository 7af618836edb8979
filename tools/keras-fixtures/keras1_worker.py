#!/usr/bin/env python3
"""Keras 1 worker of generate.py (not a generator of its own: generate.py selects the cases, runs this
file with the Keras 1 venv's Python and compares the CSVs in --check).

Real Keras 1.2.2 on Theano 1.0.5 (Python 3.6; see requirements-keras1.txt and `setup-venv.sh --keras1`).
Writes fixtures/keras1_<name>/ in the same format as the other flavours (README.md): model.h5 saved by
Keras 1 (`model.save`, full model), events.csv, expected.csv (Keras 1 `model.predict`: whole sequence for
return_sequences=True models, every prefix for many-to-one ones), resets.csv / expected_reset.csv and
states.csv, cross-checked against a stateful twin stepped one event per `predict_on_batch` call.
Python 3.6: no dataclasses, so the case table is plain tuples here.
"""
import argparse
import os
import shutil
import sys
import time
import warnings
import zlib

import numpy as np

import writer
from fixture_common import interleave, reldiff  # noqa: E402

SELF_TOL = 1e-5


def _layers():
    from keras.layers import GRU, LSTM, Dense, SimpleRNN, TimeDistributed
    return dict(GRU=GRU, LSTM=LSTM, Dense=Dense, SimpleRNN=SimpleRNN, TimeDistributed=TimeDistributed)


def _lstm_seq(l, shape_kw, stateful):
    return [l["LSTM"](output_dim=8, return_sequences=True, consume_less="cpu", stateful=stateful, **shape_kw),
            l["TimeDistributed"](l["Dense"](2))]


def _lstm_gpu(l, shape_kw, stateful):
    return [l["LSTM"](output_dim=8, return_sequences=True, consume_less="gpu", stateful=stateful, **shape_kw),
            l["TimeDistributed"](l["Dense"](2))]


def _gru(l, shape_kw, stateful):
    return [l["GRU"](output_dim=6, consume_less="mem", stateful=stateful, **shape_kw), l["Dense"](2)]


def _simple_rnn(l, shape_kw, stateful):
    return [l["SimpleRNN"](output_dim=5, return_sequences=True, stateful=stateful, **shape_kw),
            l["TimeDistributed"](l["Dense"](2))]


# name, build, features, seq_out, description
CASES = [
    ("lstm_seq", _lstm_seq, 4, True,
     "Keras 1: LSTM(output_dim=8, return_sequences=True, consume_less='cpu') -> TimeDistributed(Dense(2)); "
     "inner_activation hard_sigmoid (Keras 1 default), per-gate weights W_i,U_i,b_i,W_c,U_c,b_c,W_f,U_f,b_f,W_o,U_o,b_o"),
    ("lstm_gpu", _lstm_gpu, 4, True,
     "Keras 1: LSTM(output_dim=8, return_sequences=True, consume_less='gpu') -> TimeDistributed(Dense(2)); "
     "inner_activation hard_sigmoid, concatenated weights W, U, b (gates i, f, c, o). (TimeDistributedDense "
     "refuses an input of unknown length in Keras 1.2.2, so TimeDistributed(Dense) it is.)"),
    ("gru", _gru, 3, False,
     "Keras 1: GRU(output_dim=6, consume_less='mem') many-to-one -> Dense(2); inner_activation hard_sigmoid, "
     "per-gate weights W_z,U_z,b_z,W_r,U_r,b_r,W_h,U_h,b_h"),
    ("simple_rnn", _simple_rnn, 3, True,
     "Keras 1: SimpleRNN(output_dim=5, tanh, return_sequences=True) -> TimeDistributed(Dense(2))"),
]
LENGTHS = (23, 9, 31, 15)
KEYS = ("k0", "sensor-1", "user_42", "k3")


class Failure(Exception):
    pass


def model(build, F, stateful=False, batch=None):
    from keras.models import Sequential
    shape_kw = {"batch_input_shape": (batch, 1, F)} if stateful else {"input_shape": (None, F)}
    return Sequential(build(_layers(), shape_kw, stateful))


def step(m, inputs):
    """Stateful twin, one event per predict_on_batch; returns per-input outputs and final states."""
    from keras import backend as K
    B = len(inputs)
    Tmax = max(len(x) for x in inputs)
    F = inputs[0].shape[1]
    xb = np.zeros((B, Tmax, F), np.float32)
    for i, x in enumerate(inputs):
        xb[i, :len(x)] = x
    m.reset_states()
    outs = [None] * B
    states = [None] * B
    rnn = [l for l in m.layers if getattr(l, "stateful", False)]
    for s in range(Tmax):
        y = np.asarray(m.predict_on_batch(xb[:, s:s + 1]))
        st = [[np.array(K.get_value(v)) for v in l.states] for l in rnn]
        for i, x in enumerate(inputs):
            if s < len(x):
                row = (y[i, 0] if y.ndim == 3 else y[i]).ravel()
                if outs[i] is None:
                    outs[i] = np.zeros((len(x), row.size), np.float32)
                outs[i][s] = row
                if s == len(x) - 1:
                    states[i] = [[v[i] for v in layer] for layer in st]
    m.reset_states()
    return outs, states


def predict_all(m, inputs, seq_out):
    """Keras 1 model.predict: the whole sequence (causal model: every step) or every prefix."""
    outs = []
    for x in inputs:
        if seq_out:
            outs.append(np.asarray(m.predict(x[None], batch_size=1))[0].reshape(len(x), -1))
        else:
            outs.append(np.concatenate([np.asarray(m.predict(x[None, :t + 1], batch_size=1)).reshape(1, -1)
                                        for t in range(len(x))]))
    return outs


def run_case(base, build, F, seq_out, description, outdir):
    import keras
    from keras.models import load_model
    name = "keras1_" + base
    t0 = time.time()
    seed = zlib.crc32(name.encode())
    rng = np.random.default_rng(seed)
    d = os.path.join(outdir, name)
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(d)
    seqs = [rng.normal(0.0, 1.0, (T, F)).astype(np.float32) for T in LENGTHS]
    order = interleave(rng, LENGTHS)
    resets = {}
    for ki in sorted(range(len(LENGTHS)), key=lambda i: -LENGTHS[i])[:2]:
        T = LENGTHS[ki]
        resets[ki] = int(rng.integers(max(2, T // 3), max(3, (2 * T) // 3)))

    m = model(build, F)
    wr = np.random.default_rng(seed + 1)
    m.set_weights([wr.uniform(-0.5, 0.5, w.shape).astype(np.float32) for w in m.get_weights()])
    weights = m.get_weights()
    maxdiff = {}

    segs_full = [(ki, 0, len(x)) for ki, x in enumerate(seqs)]
    segs_reset = []
    for ki in sorted(resets):
        segs_reset += [(ki, resets[ki], len(seqs[ki]))]
    segs = segs_full + segs_reset
    inputs = [seqs[ki][a:b] for ki, a, b in segs]
    res = predict_all(m, inputs, seq_out)

    sm = model(build, F, stateful=True, batch=len(segs))
    sm.set_weights(weights)
    souts, sstates = step(sm, inputs)
    md = max(reldiff(a, b) for a, b in zip(souts, res))
    maxdiff["step_vs_predict"] = md
    if md > SELF_TOL:
        raise Failure("%s: stateful stepping differs from predict by %g" % (name, md))
    O = res[0].shape[1]
    outs = {ki: {t: res[si][t] for t in range(len(seqs[ki]))} for si, (ki, _, _) in enumerate(segs_full)}
    outs_reset = {ki: dict(outs[ki]) for ki in outs}
    for si, (ki, a, b) in enumerate(segs):
        if si >= len(segs_full):
            for t in range(a, b):
                outs_reset[ki][t] = res[si][t - a]
    states = sstates[:len(segs_full)]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.save(os.path.join(d, "model.h5"))
        back = load_model(os.path.join(d, "model.h5"))
    md = max(reldiff(a, b) for a, b in zip(predict_all(back, inputs[:len(segs_full)], seq_out), res))
    maxdiff["reload_h5"] = md
    if md > SELF_TOL:
        raise Failure("%s: reloaded model.h5 predicts differently (%g)" % (name, md))

    writer.write_events(d, KEYS, F, False, seqs, order)
    writer.write_outputs(d, "expected.csv", KEYS, order, outs, O)
    writer.write_outputs(d, "expected_reset.csv", KEYS, order, outs_reset, O)
    writer.write_resets(d, KEYS, resets)
    writer.write_states(d, KEYS, states)
    n_out = sum(len(x) for x in seqs)
    meta = {
        "case": name,
        "description": description,
        "keras_version": keras.__version__,
        "flavour": "keras1",
        "mode": "stateful",
        "window": None,
        "features": F,
        "outputs": int(O),
        "count_params": int(m.count_params()),
        "files": {"h5": "model.h5"},
        "input_dtype": "float32",
        "keys": list(KEYS),
        "lengths": list(LENGTHS),
        "resets": {KEYS[k]: v for k, v in sorted(resets.items())},
        "expected_rows": n_out,
        "saved_stateful": False,
        "saved_batch_shape": [None, None, F],
        "recurrent_states": [[int(v.size) for v in layer] for layer in states[0]],
        "self_check_max_abs_diff": {k: float("%.3g" % v) for k, v in maxdiff.items()},
        "group": "B",
        "notes": "Saved by Keras %s on Theano %s (backend theano, floatX float32). expected.csv is Keras 1 "
                 "model.predict (%s), cross-checked against a stateful twin (batch_input_shape=(B, 1, F)) stepped "
                 "one event per predict_on_batch, which also gives states.csv. hard_sigmoid = clip(0.2x+0.5, 0, 1)."
                 % (keras.__version__, __import__("theano").__version__,
                    "whole sequence" if seq_out else "every prefix"),
    }
    writer.write_meta(d, meta)
    ymax = max(float(np.max(np.abs(v))) for v in res)
    diffs = " ".join("%s=%.2g" % kv for kv in maxdiff.items())
    print("%-42s %-8s F=%d O=%d rows=%5d |y|<=%.3g params=%5d files=model.h5 maxdiff[%s] %.1fs"
          % (name, "stateful", F, O, n_out, ymax, m.count_params(), diffs, time.time() - t0), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    if a.list:
        print("\n".join("keras1_" + c[0] for c in CASES))
        return 0
    failed = 0
    for base, build, F, seq_out, desc in CASES:
        if a.only is not None and "keras1_" + base not in a.only:
            continue
        try:
            run_case(base, build, F, seq_out, desc, a.out)
        except Failure as e:
            print("FAILED:", e, flush=True)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
