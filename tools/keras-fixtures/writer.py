"""Writes a case's files (tools/keras-fixtures/README.md describes them): the events, what Keras returned
for them, the resets, the final states and case.json. Only numpy, and Python 3.6 syntax: keras1_worker.py
imports it in its Python 3.6 venv. The numbers come from the worker; keys[i] names batch row i."""
import json
import os

import numpy as np


def fmt(v):
    """A float32 as text that reads back to the same float32."""
    return "%.9g" % float(v)


def write_rows(path, header, rows):
    """rows of [key, t, (more text columns,) array of values]."""
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(list(r[:-1]) + [fmt(a) for a in np.ravel(r[-1])]) + "\n")


def write_events(d, keys, features, token_ids, seqs, order):
    """events.csv: key, t and the event's values (token ids as integers), in stream order."""
    with open(os.path.join(d, "events.csv"), "w") as f:
        f.write(",".join(["key", "t"] + ["x%d" % i for i in range(features)]) + "\n")
        for ki, t in order:
            v = np.atleast_1d(seqs[ki][t]).ravel()
            vals = [str(int(a)) for a in v] if token_ids else [fmt(a) for a in v]
            f.write(",".join([keys[ki], str(t)] + vals) + "\n")


def write_outputs(d, fname, keys, order, outs, width):
    """expected*.csv: one row per event that has an output (outs[key_index][t]), in stream order."""
    with open(os.path.join(d, fname), "w") as f:
        f.write(",".join(["key", "t"] + ["y%d" % i for i in range(width)]) + "\n")
        for ki, t in order:
            if t in outs[ki]:
                f.write(",".join([keys[ki], str(t)] + [fmt(a) for a in outs[ki][t]]) + "\n")


def write_resets(d, keys, resets):
    """resets.csv: the event index of each key before which reset_states() is called."""
    with open(os.path.join(d, "resets.csv"), "w") as f:
        f.write("key,t\n")
        for ki in sorted(resets):
            f.write("%s,%d\n" % (keys[ki], resets[ki]))


def write_states(d, keys, states):
    """states.csv: each key's final states, recurrent layer by layer (model.layers order), h before c."""
    width = max(v.size for st in states for layer in st for v in layer)
    with open(os.path.join(d, "states.csv"), "w") as f:
        f.write(",".join(["key", "layer", "state"] + ["v%d" % i for i in range(width)]) + "\n")
        for ki, st in enumerate(states):
            for li, layer in enumerate(st):
                for si, v in enumerate(layer):
                    f.write(",".join([keys[ki], str(li), str(si)] + [fmt(a) for a in v.ravel()]) + "\n")


def write_meta(d, meta):
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
