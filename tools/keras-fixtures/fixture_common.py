"""Helpers shared by generate.py and keras1_worker.py. Only numpy, and Python 3.6 syntax: the Keras 1
worker runs in its own Python 3.6 venv."""
import numpy as np


def reldiff(a, b):
    """max |a-b| / max(1, |b|): absolute below 1, relative above (float32 rounding scales with |y|)."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b))))


def interleave(rng, lengths):
    """Random interleaving of keys' events; each key's events stay in increasing t."""
    rem = list(lengths)
    nxt = [0] * len(lengths)
    order = []
    while sum(rem):
        p = np.array(rem, dtype=float) / sum(rem)
        k = int(rng.choice(len(rem), p=p))
        order.append((k, nxt[k]))
        nxt[k] += 1
        rem[k] -= 1
    return order
