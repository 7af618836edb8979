#!/usr/bin/env python3
"""Keras fixture generator for flink-rnn.

Writes fixtures/<case>/ with model files saved by REAL Keras (Keras 3 = `keras`, Keras 2 = `tf_keras`),
replay input events and the outputs REAL Keras computes for them (see /work/shared/SEMANTICS.md and
tools/keras-fixtures/README.md for the file format).

    .venv/bin/python tools/keras-fixtures/generate.py                 # (re)write every case
    .venv/bin/python tools/keras-fixtures/generate.py --only lstm_seq keras2_lstm_last
    .venv/bin/python tools/keras-fixtures/generate.py --check         # regenerate in a temp dir, compare CSVs

The parent process spawns one worker process per Keras flavour (Keras 3 and tf_keras are never
imported in the same process).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DEFAULT_OUT = os.path.join(ROOT, "fixtures")
FLAVOURS = ("keras3", "keras2")
CHECK_TOL = 1e-6        # --check: committed vs regenerated CSVs
SELF_TOL = 1e-5         # stateful stepping vs plain predict: |a-b| / max(1, |b|)


# ----------------------------------------------------------------------------------------------
# Case registry (no Keras import at module level: the parent process only needs names)
# ----------------------------------------------------------------------------------------------

@dataclass
class Spec:
    """How a model is built: stateful flag, fixed batch size, fixed number of timesteps."""
    stateful: bool = False
    batch: Optional[int] = None
    timesteps: Optional[int] = None
    role: str = "ref"      # saved | ref | step


@dataclass
class Case:
    base: str
    build: Callable            # build(L, spec) -> keras model
    flavours: tuple = FLAVOURS
    mode: str = "stateful"     # stateful | window
    window: Optional[int] = None
    features: int = 4          # per-event feature width (1 for token ids)
    seq_out: bool = True       # model output has the input time axis (last RNN return_sequences=True)
    lengths: tuple = (23, 9, 31, 15)
    keys: tuple = ("k0", "sensor-1", "user_42", "k3")
    method: str = "step"       # step: stateful stepping (+prefix cross-check); prefix: predict per prefix
    saved_spec: Optional[Callable] = None   # flavour -> Spec for the saved model (default stateless)
    int_vocab: Optional[int] = None         # token-id input (Embedding), vocabulary size
    event_fn: Optional[Callable] = None     # event_fn(rng, key_index, T, F) -> float32 [T, F]
    description: str = ""
    notes: str = ""
    n_resets: int = 2
    group: str = "A"           # A: required first group of cases; B: the rest
    all_formats: Optional[bool] = None   # also JSON + weights files (default: group A only; keeps fixtures/ small)

    def name(self, flavour):
        return f"{flavour}_{self.base}"


CASES = []
GROUP = ["A"]


def case(base, **kw):
    kw.setdefault("group", GROUP[0])

    def deco(fn):
        c = Case(base=base, build=fn, description=kw.pop("description", fn.__doc__ or ""), **kw)
        CASES.append(c)
        return fn
    return deco


class Flavour:
    """Thin adapter over keras (3) / tf_keras (2)."""

    def __init__(self, name):
        self.name = name
        if name == "keras3":
            import keras as K
        else:
            import tf_keras as K
        self.K = K
        self.layers = K.layers
        self.version = K.__version__

    @property
    def k3(self):
        return self.name == "keras3"

    def input(self, spec, feat_shape, dtype="float32"):
        return self.K.Input(shape=(spec.timesteps,) + tuple(feat_shape), batch_size=spec.batch, dtype=dtype)

    def seq(self, spec, F, layers, dtype="float32", feat_shape=None):
        fs = (F,) if feat_shape is None else feat_shape
        return self.K.Sequential([self.input(spec, fs, dtype)] + list(layers))


def scaled(layer, s):
    """Tag a layer with the uniform(-s, s) range its weights are drawn from."""
    layer._fixture_scale = float(s)
    return layer


# ---------------------------------- Group A ---------------------------------------------------

@case("lstm_seq", description="LSTM(8, return_sequences=True) -> TimeDistributed(Dense(2))")
def _lstm_seq(L, s):
    return L.seq(s, 4, [L.layers.LSTM(8, return_sequences=True, stateful=s.stateful),
                        L.layers.TimeDistributed(L.layers.Dense(2))])


@case("lstm_last", seq_out=False, features=3, description="LSTM(6) many-to-one -> Dense(1)")
def _lstm_last(L, s):
    return L.seq(s, 3, [L.layers.LSTM(6, stateful=s.stateful), L.layers.Dense(1)])


@case("gru_reset_after", features=5,
      description="GRU(7, reset_after=True, return_sequences=True) -> Dense(3)")
def _gru_ra(L, s):
    return L.seq(s, 5, [L.layers.GRU(7, reset_after=True, return_sequences=True, stateful=s.stateful),
                        L.layers.Dense(3)])


@case("gru_reset_before", seq_out=False, features=4,
      description="GRU(6, reset_after=False) many-to-one -> Dense(2)")
def _gru_rb(L, s):
    return L.seq(s, 4, [L.layers.GRU(6, reset_after=False, stateful=s.stateful), L.layers.Dense(2)])


@case("simple_rnn", features=3, lengths=(19, 8, 27, 13),
      description="SimpleRNN(5, tanh, return_sequences=True) -> SimpleRNN(4, relu, return_sequences=True) -> Dense(2)")
def _simple_rnn(L, s):
    return L.seq(s, 3, [L.layers.SimpleRNN(5, activation="tanh", return_sequences=True, stateful=s.stateful),
                        L.layers.SimpleRNN(4, activation="relu", return_sequences=True, stateful=s.stateful),
                        L.layers.Dense(2)])


@case("stacked_long", seq_out=False, features=4, lengths=(1200, 30, 45, 12),
      keys=("long-0", "k1", "sensor-2", "k3"),
      description="LSTM(16, return_sequences=True) -> GRU(8) many-to-one -> Dense(1); key long-0 has 1200 events")
def _stacked_long(L, s):
    return L.seq(s, 4, [scaled(L.layers.LSTM(16, return_sequences=True, stateful=s.stateful), 0.35),
                        scaled(L.layers.GRU(8, stateful=s.stateful), 0.35),
                        L.layers.Dense(1)])


def _stateful_config_spec(flavour):
    return Spec(stateful=True, batch=3, timesteps=None, role="saved")


@case("stateful_config", features=4, saved_spec=_stateful_config_spec, lengths=(21, 12, 30),
      keys=("k0", "k1", "k2"),
      description="Saved with stateful=True and a fixed batch size 3 (Keras 2: batch_input_shape=(3, None, 4) "
                  "on the LSTM; Keras 3: Input(batch_shape=(3, None, 4))): LSTM(8, return_sequences=True) -> Dense(2)")
def _stateful_config(L, s):
    if s.role == "saved" and not L.k3:
        return L.K.Sequential([
            L.layers.LSTM(8, return_sequences=True, stateful=True, batch_input_shape=(s.batch, s.timesteps, 4)),
            L.layers.Dense(2)])
    return L.seq(s, 4, [L.layers.LSTM(8, return_sequences=True, stateful=s.stateful), L.layers.Dense(2)])


def _tutorial_spec(flavour):
    return Spec(stateful=True, batch=1, timesteps=1, role="saved")


@case("stateful_tutorial", features=1, seq_out=False, saved_spec=_tutorial_spec, lengths=(25, 14, 33),
      keys=("k0", "k1", "k2"),
      description="The classic stateful tutorial model: LSTM(4, stateful=True) with batch_input_shape=(1, 1, 1) "
                  "(Keras 3: Input(batch_shape=(1, 1, 1))) -> Dense(1); one event = one timestep")
def _tutorial(L, s):
    if s.role == "saved" and not L.k3:
        return L.K.Sequential([
            L.layers.LSTM(4, stateful=True, batch_input_shape=(s.batch, s.timesteps, 1)),
            L.layers.Dense(1)])
    return L.seq(s, 1, [L.layers.LSTM(4, stateful=s.stateful), L.layers.Dense(1)])


@case("window_lstm", mode="window", window=8, seq_out=False, features=3, lengths=(20, 8, 31, 5),
      description="Input(shape=(8, 3)) -> LSTM(6) -> Dense(2), stateful=False: window mode N=8 "
                  "(key k3 has fewer than 8 events and so no output)")
def _window_lstm(L, s):
    return L.seq(s, 3, [L.layers.LSTM(6), L.layers.Dense(2)])


@case("activations_rnn", features=4,
      description="LSTM(8, activation=relu, recurrent_activation=hard_sigmoid) -> GRU(6, activation=softsign, "
                  "recurrent_activation=hard_sigmoid) -> SimpleRNN(5, activation=elu) -> Dense(3); "
                  "hard_sigmoid differs between Keras 2 and Keras 3",
      notes="Same weights and events in keras2_ and keras3_ variants; the outputs differ because "
            "hard_sigmoid is clip(0.2x+0.5, 0, 1) in Keras 2 and relu6(x+3)/6 in Keras 3.")
def _act_rnn(L, s):
    return L.seq(s, 4, [
        scaled(L.layers.LSTM(8, activation="relu", recurrent_activation="hard_sigmoid", return_sequences=True,
                             stateful=s.stateful), 1.0),
        scaled(L.layers.GRU(6, activation="softsign", recurrent_activation="hard_sigmoid", return_sequences=True,
                            stateful=s.stateful), 1.5),
        scaled(L.layers.SimpleRNN(5, activation="elu", return_sequences=True, stateful=s.stateful), 0.8),
        L.layers.Dense(3)])


@case("activations_dense1", all_formats=False, features=4,
      description="LSTM(8) -> Dense tanh -> sigmoid -> hard_sigmoid -> elu -> selu -> softplus (Dense(4))")
def _act_d1(L, s):
    D = L.layers.Dense
    return L.seq(s, 4, [L.layers.LSTM(8, return_sequences=True, stateful=s.stateful),
                        scaled(D(8, activation="tanh"), 2.0),
                        scaled(D(8, activation="sigmoid"), 2.0),
                        scaled(D(8, activation="hard_sigmoid"), 4.0),
                        scaled(D(8, activation="elu"), 3.0),
                        scaled(D(8, activation="selu"), 2.0),
                        scaled(D(4, activation="softplus"), 2.0)])


@case("activations_dense2", all_formats=False, features=4,
      description="LSTM(8) -> Dense softsign -> swish -> gelu -> exponential -> linear -> Activation(softmax)")
def _act_d2(L, s):
    D = L.layers.Dense
    return L.seq(s, 4, [L.layers.LSTM(8, return_sequences=True, stateful=s.stateful),
                        scaled(D(8, activation="softsign"), 3.0),
                        scaled(D(8, activation="swish"), 3.0),
                        scaled(D(8, activation="gelu"), 3.0),
                        scaled(D(8, activation="exponential"), 0.4),
                        scaled(D(5, activation="linear"), 1.0),
                        L.layers.Activation("softmax")])


@case("activations_dense3", all_formats=False, features=4,
      description="LSTM(8) -> Dense relu -> leaky_relu (Keras 3 activation string, negative_slope 0.2; Keras 2: "
                  "Dense linear + LeakyReLU layer, alpha 0.3) -> relu6 (Keras 3 only; Keras 2: Dense tanh) "
                  "-> Dense(3) + Activation(sigmoid)")
def _act_d3(L, s):
    D = L.layers.Dense
    ls = [L.layers.LSTM(8, return_sequences=True, stateful=s.stateful), scaled(D(8, activation="relu"), 3.0)]
    if L.k3:
        ls += [scaled(D(8, activation="leaky_relu"), 3.0), scaled(D(8, activation="relu6"), 4.0)]
    else:
        ls += [scaled(D(8), 3.0), L.layers.LeakyReLU(), scaled(D(8, activation="tanh"), 2.0)]
    ls += [scaled(D(3), 1.0), L.layers.Activation("sigmoid")]
    return L.seq(s, 4, ls)


@case("activations_dense4", all_formats=False, flavours=("keras3",), features=4,
      description="Keras 3 only: LSTM(8) -> Dense silu -> mish -> hard_silu -> celu -> log_sigmoid -> Dense(4, tanh)")
def _act_d4(L, s):
    D = L.layers.Dense
    ls = [L.layers.LSTM(8, return_sequences=True, stateful=s.stateful)]
    ls += [scaled(D(8, activation=a), 1.2) for a in ["silu", "mish", "hard_silu", "celu", "log_sigmoid"]]
    ls += [scaled(D(4, activation="tanh"), 1.0)]
    return L.seq(s, 4, ls)


@case("activations_dense5", all_formats=False, flavours=("keras3",), features=4,
      description="Keras 3 only: LSTM(8) -> Dense hard_tanh -> sparse_plus -> squareplus -> soft_shrink -> "
                  "tanh_shrink -> hard_shrink -> LeakyReLU layer (negative_slope 0.3) -> Dense(4, log_softmax)")
def _act_d5(L, s):
    D = L.layers.Dense
    ls = [L.layers.LSTM(8, return_sequences=True, stateful=s.stateful)]
    ls += [scaled(D(8, activation=a), 1.2) for a in ["hard_tanh", "sparse_plus", "squareplus", "soft_shrink",
                                                     "tanh_shrink", "hard_shrink"]]
    ls += [scaled(D(8), 1.5), L.layers.LeakyReLU(), scaled(D(4, activation="log_softmax"), 1.0)]
    return L.seq(s, 4, ls)


@case("activations_dense_k2", all_formats=False, flavours=("keras2",), features=4,
      description="Keras 2 only: LSTM(8) -> Dense mish -> Activation(relu) -> ReLU(max_value=1.5, "
                  "negative_slope=0.1, threshold=0.2) layer -> ELU(alpha=0.7) layer -> Dense(3)")
def _act_dk2(L, s):
    D = L.layers.Dense
    return L.seq(s, 4, [L.layers.LSTM(8, return_sequences=True, stateful=s.stateful),
                        scaled(D(8, activation="mish"), 2.0),
                        scaled(D(8), 2.0), L.layers.Activation("relu"),
                        scaled(D(8), 3.0), L.layers.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2),
                        scaled(D(8), 3.0), L.layers.ELU(alpha=0.7),
                        D(3)])


@case("no_bias", features=4,
      description="LSTM(7, use_bias=False) -> GRU(6, use_bias=False) -> SimpleRNN(5, use_bias=False), all "
                  "return_sequences=True -> Dense(2, use_bias=False)")
def _no_bias(L, s):
    return L.seq(s, 4, [L.layers.LSTM(7, use_bias=False, return_sequences=True, stateful=s.stateful),
                        L.layers.GRU(6, use_bias=False, return_sequences=True, stateful=s.stateful),
                        L.layers.SimpleRNN(5, use_bias=False, return_sequences=True, stateful=s.stateful),
                        L.layers.Dense(2, use_bias=False)])


@case("gru_reset_before_no_bias", features=3, seq_out=True,
      description="GRU(5, reset_after=False, use_bias=False, return_sequences=True) -> "
                  "GRU(4, reset_after=True, use_bias=False, return_sequences=True) -> Dense(1)")
def _gru_nb(L, s):
    return L.seq(s, 3, [L.layers.GRU(5, reset_after=False, use_bias=False, return_sequences=True,
                                     stateful=s.stateful),
                        L.layers.GRU(4, reset_after=True, use_bias=False, return_sequences=True,
                                     stateful=s.stateful),
                        L.layers.Dense(1)])


# ---------------------------------- Group B ---------------------------------------------------
# Only the full-model files (Keras 3: model.keras + legacy model.h5; Keras 2: model.h5): the
# JSON + weights entry points are covered by group A and the HDF5 files dominate fixtures/ size.
GROUP[0] = "B"


def _masked_events(rng, ki, T, F):
    x = rng.normal(0.0, 1.0, (T, F)).astype(np.float32)
    # ~20% of events all-zero (= mask_value): a few runs of 1..3 masked events, and key 1 starts masked.
    t = 0
    while t < T:
        if rng.random() < 0.12:
            n = int(rng.integers(1, 4))
            x[t:t + n] = 0.0
            t += n + 1
        else:
            t += 1
    if ki == 1:
        x[0:2] = 0.0
    if ki == 0:
        x[T - 1] = 0.0          # the last event of k0 is masked (states.csv after a masked event)
    return x


@case("masking_seq", features=3, method="prefix", lengths=(24, 13, 37, 9), event_fn=_masked_events,
      description="Masking(mask_value=0.0) -> LSTM(6, return_sequences=True) -> Dense(2); some events all-zero",
      notes="expected.csv from model.predict over every prefix (not stateful stepping).")
def _masking_seq(L, s):
    return L.seq(s, 3, [L.layers.Masking(mask_value=0.0),
                        L.layers.LSTM(6, return_sequences=True, stateful=s.stateful),
                        L.layers.Dense(2)])


@case("masking_last", features=3, method="prefix", seq_out=False, lengths=(22, 15, 31, 10),
      event_fn=_masked_events,
      description="Masking(mask_value=0.0) -> GRU(6, return_sequences=True) -> LSTM(5) many-to-one -> Dense(2); "
                  "some events all-zero",
      notes="expected.csv from model.predict over every prefix (not stateful stepping).")
def _masking_last(L, s):
    return L.seq(s, 3, [L.layers.Masking(mask_value=0.0),
                        L.layers.GRU(6, return_sequences=True, stateful=s.stateful),
                        L.layers.LSTM(5, stateful=s.stateful),
                        L.layers.Dense(2)])


@case("embedding", features=1, int_vocab=20,
      description="Embedding(20, 5) -> LSTM(8, return_sequences=True) -> Dense(3); events are int token ids")
def _embedding(L, s):
    return L.seq(s, 1, [scaled(L.layers.Embedding(20, 5), 1.0),
                        L.layers.LSTM(8, return_sequences=True, stateful=s.stateful),
                        L.layers.Dense(3)], dtype="int32", feat_shape=())


@case("embedding_last", features=1, int_vocab=12, seq_out=False,
      description="Embedding(12, 4) -> GRU(6) many-to-one -> Dense(1, sigmoid); events are int token ids")
def _embedding_last(L, s):
    return L.seq(s, 1, [scaled(L.layers.Embedding(12, 4), 1.0),
                        L.layers.GRU(6, stateful=s.stateful),
                        L.layers.Dense(1, activation="sigmoid")], dtype="int32", feat_shape=())


@case("rnn_cells", features=4,
      description="RNN(LSTMCell(6)) -> RNN(GRUCell(5)) -> RNN(SimpleRNNCell(4)), return_sequences=True -> Dense(2)")
def _rnn_cells(L, s):
    l = L.layers
    return L.seq(s, 4, [l.RNN(l.LSTMCell(6), return_sequences=True, stateful=s.stateful),
                        l.RNN(l.GRUCell(5), return_sequences=True, stateful=s.stateful),
                        l.RNN(l.SimpleRNNCell(4), return_sequences=True, stateful=s.stateful),
                        l.Dense(2)])


@case("stacked_cells", features=4, seq_out=False,
      description="RNN(StackedRNNCells([LSTMCell(6), GRUCell(5, reset_after=False), SimpleRNNCell(4)])) "
                  "many-to-one -> Dense(2)")
def _stacked_cells(L, s):
    l = L.layers
    cells = l.StackedRNNCells([l.LSTMCell(6), l.GRUCell(5, reset_after=False), l.SimpleRNNCell(4)])
    return L.seq(s, 4, [l.RNN(cells, stateful=s.stateful), l.Dense(2)])


def _bidi(merge):
    def build(L, s):
        return L.seq(s, 3, [L.layers.Bidirectional(L.layers.LSTM(5), merge_mode=merge), L.layers.Dense(2)])
    return build


for _m in ("concat", "sum", "mul", "ave"):
    case(f"bidirectional_{_m}", mode="window", window=6, seq_out=False, features=3, lengths=(17, 6, 25, 11),
         description=f"Input(shape=(6, 3)) -> Bidirectional(LSTM(5), merge_mode='{_m}') -> Dense(2); window N=6")(
        _bidi(_m))


@case("bidirectional_seq", mode="window", window=6, features=3, lengths=(17, 6, 25, 11),
      description="Input(shape=(6, 3)) -> Bidirectional(GRU(4, return_sequences=True)) -> TimeDistributed(Dense(2)); "
                  "window N=6, output = the whole 6x2 sequence")
def _bidi_seq(L, s):
    return L.seq(s, 3, [L.layers.Bidirectional(L.layers.GRU(4, return_sequences=True)),
                        L.layers.TimeDistributed(L.layers.Dense(2))])


@case("go_backwards", mode="window", window=6, seq_out=False, features=3, lengths=(17, 6, 25, 11),
      description="Input(shape=(6, 3)) -> LSTM(5, go_backwards=True) -> Dense(2); window N=6")
def _go_backwards(L, s):
    return L.seq(s, 3, [L.layers.LSTM(5, go_backwards=True), L.layers.Dense(2)])


@case("go_backwards_seq", mode="window", window=5, features=3, lengths=(17, 6, 25, 11),
      description="Input(shape=(5, 3)) -> GRU(4, go_backwards=True, return_sequences=True) -> Dense(1); window N=5, "
                  "output = the whole (reversed-time) 5x1 sequence")
def _go_backwards_seq(L, s):
    return L.seq(s, 3, [L.layers.GRU(4, go_backwards=True, return_sequences=True), L.layers.Dense(1)])


@case("flatten", mode="window", window=6, seq_out=False, features=3, lengths=(17, 6, 25, 11),
      description="Input(shape=(6, 3)) -> LSTM(4, return_sequences=True) -> Flatten -> Dense(2); window N=6")
def _flatten(L, s):
    return L.seq(s, 3, [L.layers.LSTM(4, return_sequences=True), L.layers.Flatten(), L.layers.Dense(2)])


@case("reshape", mode="window", window=6, seq_out=False, features=3, lengths=(17, 6, 25, 11),
      description="Input(shape=(6, 3)) -> GRU(4, return_sequences=True) -> Reshape((24,)) -> Dense(2); window N=6")
def _reshape(L, s):
    return L.seq(s, 3, [L.layers.GRU(4, return_sequences=True), L.layers.Reshape((24,)), L.layers.Dense(2)])


@case("repeat_vector", features=3, seq_out=False, lengths=(19, 8, 26, 12),
      description="LSTM(6) encoder (many-to-one) -> RepeatVector(3) -> LSTM(5, return_sequences=True) -> "
                  "TimeDistributed(Dense(2)); output per event = 3x2 decoder sequence",
      notes="The stepping model makes only the encoder stateful; the decoder starts from zero state on every event.")
def _repeat_vector(L, s):
    return L.seq(s, 3, [L.layers.LSTM(6, stateful=s.stateful),
                        L.layers.RepeatVector(3),
                        L.layers.LSTM(5, return_sequences=True),
                        L.layers.TimeDistributed(L.layers.Dense(2))])


@case("dropout_family", features=4,
      description="LSTM(8, dropout=0.3, recurrent_dropout=0.2, return_sequences=True) -> Dropout(0.5) -> "
                  "SpatialDropout1D(0.3) -> GaussianNoise(0.4) -> GaussianDropout(0.3) -> AlphaDropout(0.2) -> "
                  "GRU(4, dropout=0.1, return_sequences=True) -> Dense(2); all identity at inference")
def _dropout(L, s):
    l = L.layers
    return L.seq(s, 4, [l.LSTM(8, dropout=0.3, recurrent_dropout=0.2, return_sequences=True, stateful=s.stateful),
                        l.Dropout(0.5), l.SpatialDropout1D(0.3), l.GaussianNoise(0.4), l.GaussianDropout(0.3),
                        l.AlphaDropout(0.2),
                        l.GRU(4, dropout=0.1, return_sequences=True, stateful=s.stateful),
                        l.Dense(2)])


@case("functional", features=3, seq_out=False,
      description="Functional keras.Model(inputs, outputs): Input -> LSTM(6) -> Dense(1) (same layers as lstm_last)")
def _functional(L, s):
    inp = L.input(s, (3,))
    h = L.layers.LSTM(6, stateful=s.stateful)(inp)
    out = L.layers.Dense(1)(h)
    return L.K.Model(inp, out)


@case("functional_seq", features=4,
      description="Functional model: Input -> LSTM(8, return_sequences=True) -> GRU(5, return_sequences=True) -> "
                  "TimeDistributed(Dense(3, tanh)) -> Dense(1)")
def _functional_seq(L, s):
    inp = L.input(s, (4,))
    h = L.layers.LSTM(8, return_sequences=True, stateful=s.stateful)(inp)
    h = L.layers.GRU(5, return_sequences=True, stateful=s.stateful)(h)
    h = L.layers.TimeDistributed(L.layers.Dense(3, activation="tanh"))(h)
    out = L.layers.Dense(1)(h)
    return L.K.Model(inp, out)


# ----------------------------------------------------------------------------------------------
# Worker (runs inside one Keras flavour)
# ----------------------------------------------------------------------------------------------

def fmt(v):
    return "%.9g" % float(v)


class Failure(Exception):
    pass


class Worker:
    def __init__(self, flavour):
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        tf.config.experimental.enable_op_determinism()
        tf.get_logger().setLevel("ERROR")
        self.tf = tf
        self.L = Flavour(flavour)

    def predict(self, model, x):
        """model.predict with a freshly traced predict function.

        Keras 3.15.1 (TF backend) caches one predict function per model and relaxes the traced input
        shape after a second sequence length; with TimeDistributed after a variable-length RNN the
        relaxed trace returns a wrong time axis (e.g. (2, 9, 4) -> (2, 2, 2)). Dropping the cached
        function makes every call trace for its concrete shape (what a first predict call does).
        tf_keras does not have the problem (and retraces per new shape anyway)."""
        if self.L.k3:
            model.predict_function = None
        return np.asarray(model.predict(x, verbose=0))

    # ---- helpers over the flavour ----
    def clear(self):
        self.L.K.backend.clear_session()

    def rnn_layers(self, model):
        RNN = self.L.layers.RNN
        return [l for l in model.layers if isinstance(l, RNN) and l.stateful]

    def reset(self, model):
        for l in self.rnn_layers(model):
            try:
                l.reset_states()
            except AttributeError:
                # Keras 3.15.1: RNN(StackedRNNCells(...), stateful=True).reset_states() raises
                # "'ListWrapper' object has no attribute 'assign'" (states are nested per cell).
                # Zero the same state variables directly.
                for v in self.tf.nest.flatten(l.states):
                    v.assign(np.zeros(v.shape, v.dtype))

    def read_states(self, model):
        """[layer][state] -> array [B, units] from the stateful model's state variables."""
        out = []
        for l in self.rnn_layers(model):
            vs = self.tf.nest.flatten(l.states)
            out.append([np.array(v.numpy() if hasattr(v, "numpy") else v) for v in vs])
        return out

    def set_weights(self, model, rng):
        for layer in self._all_layers(model):
            ws = layer.get_weights()
            if not ws or getattr(layer, "_fixture_done", False):
                continue
            s = getattr(layer, "_fixture_scale", 0.5)
            layer.set_weights([rng.uniform(-s, s, w.shape).astype(np.float32) for w in ws])
            self._mark(layer)

    def _mark(self, layer):
        for sub in self._all_layers(layer):
            sub._fixture_done = True
        layer._fixture_done = True

    def _all_layers(self, model):
        return list(getattr(model, "layers", []))

    # ---- the case ----
    def run_case(self, c: Case, outdir):
        L = self.L
        name = c.name(L.name)
        t0 = time.time()
        seed = zlib.crc32(c.base.encode())
        rng = np.random.default_rng(seed)
        d = os.path.join(outdir, name)
        if os.path.exists(d):
            shutil.rmtree(d)
        os.makedirs(d)

        # events
        F = c.features
        feat_shape = () if c.int_vocab else (F,)
        seqs = []
        for ki, T in enumerate(c.lengths):
            if c.int_vocab:
                seqs.append(rng.integers(0, c.int_vocab, (T,)).astype(np.int32))
            elif c.event_fn:
                seqs.append(c.event_fn(rng, ki, T, F))
            else:
                seqs.append(rng.normal(0.0, 1.0, (T, F)).astype(np.float32))
        order = interleave(rng, c.lengths)
        resets = {}
        if c.mode == "stateful":
            for ki in sorted(range(len(c.lengths)), key=lambda i: -c.lengths[i])[:c.n_resets]:
                T = c.lengths[ki]
                resets[ki] = int(rng.integers(max(2, T // 3), max(3, (2 * T) // 3)))

        # models
        self.clear()
        saved_spec = c.saved_spec(L.name) if c.saved_spec else Spec(
            stateful=False, timesteps=c.window if c.mode == "window" else None, role="saved")
        saved = c.build(L, saved_spec)
        self.set_weights(saved, np.random.default_rng(seed + 1))
        weights = saved.get_weights()
        if c.mode == "window":
            ref = saved
        else:
            ref = c.build(L, Spec(stateful=False, role="ref"))
            ref.set_weights(weights)
        notes = [c.notes] if c.notes else []
        maxdiff = {}

        if c.mode == "window":
            N = c.window
            xs, idx = [], []
            for ki, x in enumerate(seqs):
                for t in range(N - 1, len(x)):
                    xs.append(x[t - N + 1:t + 1])
                    idx.append((ki, t))
            y = self.predict(ref, np.stack(xs))
            outs = {k: {} for k in range(len(seqs))}
            for (ki, t), row in zip(idx, y):
                outs[ki][t] = row.ravel()
            # self-check: a few single-window predicts
            md = 0.0
            for j in range(0, len(xs), max(1, len(xs) // 8)):
                yy = self.predict(ref, xs[j][None])[0].ravel()
                md = max(md, reldiff(yy, y[j].ravel()))
            maxdiff["window_single_vs_batched"] = md
            O = y[0].size
            states = None
            outs_reset = None
        else:
            segs_full = [(ki, 0, len(x)) for ki, x in enumerate(seqs)]
            segs_reset = []
            for ki, x in enumerate(seqs):
                if ki in resets:
                    segs_reset += [(ki, 0, resets[ki]), (ki, resets[ki], len(x))]
            segs = segs_full + segs_reset
            inputs = [seqs[ki][a:b] for ki, a, b in segs]
            step = c.build(L, Spec(stateful=True, batch=len(segs), timesteps=1, role="step"))
            step.set_weights(weights)
            souts, sstates = self.run_step(step, inputs, c.seq_out)
            if c.method == "step":
                res = souts
                # cross-check against plain predict
                md = self.prefix_check(ref, inputs[:len(segs_full)], souts[:len(segs_full)], c.seq_out, rng)
                maxdiff["step_vs_predict"] = md
                if md > SELF_TOL:
                    raise Failure(f"{name}: stateful stepping differs from predict by {md:g}")
            else:
                res = self.prefix_all(ref, inputs, c.seq_out)
                md = max(float(np.max(np.abs(a - b))) for a, b in zip(res, souts))
                maxdiff["info_stepping_vs_prefix_predict"] = md
                notes.append("stateful stepping (one call per event) differs from prefix predict by up to "
                             f"{md:.3g} (masked steps)" if md > SELF_TOL else
                             "stateful stepping agrees with prefix predict here")
            O = res[0].shape[1]
            outs = {ki: {t: res[si][t] for t in range(len(seqs[ki]))} for si, (ki, _, _) in enumerate(segs_full)}
            outs_reset = {ki: dict(outs[ki]) for ki in outs}
            for si, (ki, a, b) in enumerate(segs):
                if si >= len(segs_full) and a > 0:
                    for t in range(a, b):
                        outs_reset[ki][t] = res[si][t - a]
            # cross-check one reset tail against the stateful model calling reset_states() in the middle
            if resets:
                ki = sorted(resets)[0]
                r = resets[ki]
                souts2, _ = self.run_step(step, [seqs[ki]], c.seq_out, reset_before=r)
                # the same key stepped as two fresh segments [0, r) and [r, T)
                si_head = segs.index((ki, 0, r))
                si_tail = segs.index((ki, r, len(seqs[ki])))
                fresh = np.concatenate([souts[si_head], souts[si_tail]])
                md = reldiff(souts2[0], fresh)
                maxdiff["reset_states_vs_fresh_tail"] = md
                if md > SELF_TOL:
                    raise Failure(f"{name}: reset_states() run differs from fresh-tail outputs by {md:g}")
            states = sstates[:len(segs_full)]

        # files
        files = self.save_models(saved, d, notes, full=(c.group == "A" if c.all_formats is None else c.all_formats))
        self.reload_check(c, saved, saved_spec, files, d, seqs, maxdiff, notes)

        hdr_x = ["x%d" % i for i in range(F)]
        with open(os.path.join(d, "events.csv"), "w") as f:
            f.write(",".join(["key", "t"] + hdr_x) + "\n")
            for ki, t in order:
                v = np.atleast_1d(seqs[ki][t]).ravel()
                vals = [str(int(a)) for a in v] if c.int_vocab else [fmt(a) for a in v]
                f.write(",".join([c.keys[ki], str(t)] + vals) + "\n")
        hdr_y = ["key", "t"] + ["y%d" % i for i in range(O)]

        def write_out(fname, o):
            with open(os.path.join(d, fname), "w") as f:
                f.write(",".join(hdr_y) + "\n")
                for ki, t in order:
                    if t in o[ki]:
                        f.write(",".join([c.keys[ki], str(t)] + [fmt(a) for a in o[ki][t]]) + "\n")

        write_out("expected.csv", outs)
        n_out = sum(len(o) for o in outs.values())
        if c.mode == "stateful":
            with open(os.path.join(d, "resets.csv"), "w") as f:
                f.write("key,t\n")
                for ki in sorted(resets):
                    f.write(f"{c.keys[ki]},{resets[ki]}\n")
            write_out("expected_reset.csv", outs_reset)
            width = max(v.size for st in states for layer in st for v in layer)
            with open(os.path.join(d, "states.csv"), "w") as f:
                f.write(",".join(["key", "layer", "state"] + ["v%d" % i for i in range(width)]) + "\n")
                for ki, st in enumerate(states):
                    for li, layer in enumerate(st):
                        for si, v in enumerate(layer):
                            f.write(",".join([c.keys[ki], str(li), str(si)] + [fmt(a) for a in v.ravel()]) + "\n")
        meta = {
            "case": name,
            "description": c.description,
            "keras_version": L.version,
            "flavour": L.name,
            "mode": c.mode,
            "window": c.window,
            "features": F,
            "outputs": int(O),
            "count_params": int(saved.count_params()),
            "files": files,
            "input_dtype": "int32" if c.int_vocab else "float32",
            "keys": list(c.keys),
            "lengths": list(c.lengths),
            "resets": {c.keys[k]: v for k, v in sorted(resets.items())},
            "expected_rows": n_out,
            "saved_stateful": bool(saved_spec.stateful),
            "saved_batch_shape": [saved_spec.batch, saved_spec.timesteps] + ([F] if not c.int_vocab else []),
            "recurrent_states": [[int(v.size) for v in layer] for layer in states[0]] if c.mode == "stateful" else None,
            "self_check_max_abs_diff": {k: float("%.3g" % v) for k, v in maxdiff.items()},
            "group": c.group,
            "notes": " ".join(notes),
        }
        with open(os.path.join(d, "case.json"), "w") as f:
            json.dump(meta, f, indent=2)
            f.write("\n")
        ymax = max(float(np.max(np.abs(v))) for o in outs.values() for v in o.values())
        diffs = " ".join(f"{k}={v:.2g}" for k, v in maxdiff.items())
        print(f"{name:42s} {c.mode:8s} F={F} O={O} rows={n_out:5d} |y|<={ymax:.3g} params={saved.count_params():5d} "
              f"files={','.join(files.values())} maxdiff[{diffs}] {time.time() - t0:.1f}s", flush=True)

    def run_step(self, step, inputs, seq_out, reset_before=None):
        """Feed the stateful batch model one timestep per call. Row i = inputs[i] (zero-padded)."""
        B = step.inputs[0].shape[0]
        n = len(inputs)
        Tmax = max(len(x) for x in inputs)
        feat = inputs[0].shape[1:]
        xb = np.zeros((B, Tmax) + feat, dtype=inputs[0].dtype)
        for i, x in enumerate(inputs):
            xb[i, :len(x)] = x
        self.reset(step)
        outs = [None] * n
        states = [None] * n
        for s in range(Tmax):
            if reset_before is not None and s == reset_before:
                self.reset(step)
            y = np.asarray(step.predict_on_batch(xb[:, s:s + 1]))
            ends = [i for i, x in enumerate(inputs) if len(x) - 1 == s]
            if ends:
                st = self.read_states(step)
            for i, x in enumerate(inputs):
                if s < len(x):
                    row = (y[i, 0] if seq_out else y[i]).ravel()
                    if outs[i] is None:
                        outs[i] = np.zeros((len(x), row.size), np.float32)
                    outs[i][s] = row
            for i in ends:
                states[i] = [[v[i] for v in layer] for layer in st]
        self.reset(step)
        return outs, states

    def predict_last(self, ref, x, seq_out):
        y = self.predict(ref, x)
        return (y[:, -1] if seq_out else y).reshape(len(x), -1), y

    def prefix_check(self, ref, inputs, souts, seq_out, rng):
        md = 0.0
        for x, so in zip(inputs, souts):
            T = len(x)
            if seq_out:   # one predict over the whole sequence gives every step (causal model)
                y = self.predict(ref, x[None])[0].reshape(T, -1)
                md = max(md, reldiff(y, so))
            ts = sorted(set([T - 1, 0] + list(rng.choice(T, size=min(T, 6), replace=False))))
            for t in ts:
                last, _ = self.predict_last(ref, x[None, :t + 1], seq_out)
                md = max(md, reldiff(last[0], so[t]))
        return md

    def prefix_all(self, ref, inputs, seq_out):
        Tmax = max(len(x) for x in inputs)
        outs = [None] * len(inputs)
        for t in range(Tmax):
            rows = [i for i, x in enumerate(inputs) if len(x) > t]
            last, _ = self.predict_last(ref, np.stack([inputs[i][:t + 1] for i in rows]), seq_out)
            for j, i in enumerate(rows):
                if outs[i] is None:
                    outs[i] = np.zeros((len(inputs[i]), last.shape[1]), np.float32)
                outs[i][t] = last[j]
        return outs

    def save_models(self, model, d, notes, full=True):
        files = {}
        L = self.L
        import warnings

        def attempt(kind, fname, fn):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    fn(os.path.join(d, fname))
                files[kind] = fname
            except Exception as e:  # record what Keras refused
                msg = f"{kind} ({fname}) refused by Keras: {type(e).__name__}: {str(e).splitlines()[0][:200]}"
                notes.append(msg)
                print("  REFUSED:", msg, flush=True)
                p = os.path.join(d, fname)
                if os.path.exists(p):
                    os.remove(p)

        def save_json(p):
            with open(p, "w") as f:
                f.write(model.to_json())

        if L.k3:
            attempt("keras", "model.keras", lambda p: model.save(p))
            attempt("h5", "model.h5", lambda p: model.save(p))
            if full:
                attempt("json", "model.json", save_json)
                attempt("weights", "model.weights.h5", lambda p: model.save_weights(p))
        else:
            attempt("h5", "model.h5", lambda p: model.save(p, save_format="h5"))
            if full:
                attempt("json", "model.json", save_json)
                attempt("weights", "weights.h5", lambda p: model.save_weights(p, save_format="h5"))
        return files

    def reload_check(self, c, saved, spec, files, d, seqs, maxdiff, notes):
        """Load every written model file back with the same Keras and compare one prediction."""
        K = self.L.K
        import warnings
        if spec.stateful:
            B, T = spec.batch, spec.timesteps or 5
            x = np.stack([s[:T] for s in (list(seqs) * B)[:B]])
        else:
            T = c.window or min(len(s) for s in seqs)
            x = seqs[0][None, :T]
        want = self.predict(saved, x)
        loaders = {}
        if "keras" in files:
            loaders["keras"] = lambda: K.models.load_model(os.path.join(d, files["keras"]))
        if "h5" in files:
            loaders["h5"] = lambda: K.models.load_model(os.path.join(d, files["h5"]))
        if "json" in files and "weights" in files:
            def lj():
                with open(os.path.join(d, files["json"])) as f:
                    m = K.models.model_from_json(f.read())
                m.load_weights(os.path.join(d, files["weights"]))
                return m
            loaders["json+weights"] = lj
        for kind, fn in loaders.items():
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    m = fn()
                    if spec.stateful:
                        self.reset(m)
                    got = self.predict(m, x)
                md = reldiff(got, want)
                maxdiff[f"reload_{kind}"] = md
                if md > SELF_TOL:
                    raise Failure(f"{c.name(self.L.name)}: reloaded {kind} predicts differently ({md:g})")
            except Failure:
                raise
            except Exception as e:
                msg = f"reloading {kind} failed in Keras: {type(e).__name__}: {str(e).splitlines()[0][:200]}"
                notes.append(msg)
                print("  RELOAD:", msg, flush=True)
        if spec.stateful:
            self.reset(saved)


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


def worker_main(flavour, outdir, names):
    if flavour == "keras3":
        os.environ["KERAS_BACKEND"] = "tensorflow"
    w = Worker(flavour)
    failed = 0
    for c in CASES:
        if flavour in c.flavours and c.name(flavour) in names:
            try:
                w.run_case(c, outdir)
            except Failure as e:
                print("FAILED:", e, flush=True)
                failed += 1
    return 1 if failed else 0


# ----------------------------------------------------------------------------------------------
# Parent: spawn workers, --check
# ----------------------------------------------------------------------------------------------

def all_names():
    return [c.name(f) for c in CASES for f in FLAVOURS if f in c.flavours]


def select(only):
    names = all_names()
    if not only:
        return names
    out = []
    for o in only:
        m = [n for n in names if n == o or n == f"keras3_{o}" or n == f"keras2_{o}"]
        if not m:
            sys.exit(f"unknown case {o}; known: {' '.join(names)}")
        out += [n for n in m if n not in out]
    return out


def run_workers(outdir, names):
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env["TF_ENABLE_ONEDNN_OPTS"] = "0"
    env["PYTHONHASHSEED"] = "0"
    env["CUDA_VISIBLE_DEVICES"] = ""
    procs = []
    for fl in FLAVOURS:
        sel = [n for n in names if n.startswith(fl + "_")]
        if not sel:
            continue
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", fl, "--out", outdir, "--only"] + sel
        procs.append((fl, subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                           text=True)))
    rc = 0
    import threading

    def pump(fl, p):
        for line in p.stdout:
            line = line.rstrip("\n")
            if _noise(line):
                continue
            print(f"[{fl}] {line}", flush=True)

    ts = [threading.Thread(target=pump, args=fp) for fp in procs]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for fl, p in procs:
        if p.wait() != 0:
            print(f"[{fl}] worker exited with {p.returncode}", flush=True)
            rc = 1
    return rc


def _noise(line):
    s = line.strip()
    return (not s or "WARNING: All log messages before absl" in s or "oneDNN custom operations" in s
            or s.startswith("WARNING:absl:") or s.startswith("I0000") or s.startswith("W0000") or "UserWarning" in s or "warnings.warn" in s
            or "cuda" in s.lower() and "could not" in s.lower())


def read_csv(p):
    with open(p) as f:
        rows = [l.rstrip("\n").split(",") for l in f if l.strip()]
    return rows[0], rows[1:]


def compare_dirs(committed, fresh, names):
    bad = 0
    worst = 0.0
    for n in names:
        a_dir, b_dir = os.path.join(committed, n), os.path.join(fresh, n)
        if not os.path.isdir(a_dir):
            print(f"MISSING committed case {n}")
            bad += 1
            continue
        csvs = sorted(set(f for f in os.listdir(a_dir) if f.endswith(".csv")) |
                      set(f for f in os.listdir(b_dir) if f.endswith(".csv")))
        for fn in csvs:
            pa, pb = os.path.join(a_dir, fn), os.path.join(b_dir, fn)
            if not (os.path.exists(pa) and os.path.exists(pb)):
                print(f"MISMATCH {n}/{fn}: present only in {'committed' if os.path.exists(pa) else 'regenerated'}")
                bad += 1
                continue
            ha, ra = read_csv(pa)
            hb, rb = read_csv(pb)
            if ha != hb or len(ra) != len(rb):
                print(f"MISMATCH {n}/{fn}: header or row count differs")
                bad += 1
                continue
            md = 0.0
            ok = True
            for x, y in zip(ra, rb):
                if len(x) != len(y):
                    ok = False
                    break
                for u, v in zip(x, y):
                    try:
                        fu, fv = float(u), float(v)
                        md = max(md, abs(fu - fv))
                    except ValueError:
                        if u != v:
                            ok = False
            if not ok or md > CHECK_TOL:
                print(f"MISMATCH {n}/{fn}: max abs diff {md:g}" + ("" if ok else " (keys/shape differ)"))
                bad += 1
            worst = max(worst, md)
        for fn in ("case.json",):
            with open(os.path.join(a_dir, fn)) as f:
                ja = json.load(f)
            with open(os.path.join(b_dir, fn)) as f:
                jb = json.load(f)
            for k in ("flavour", "mode", "window", "features", "outputs", "count_params", "files", "input_dtype",
                      "keras_version"):
                if ja.get(k) != jb.get(k):
                    print(f"MISMATCH {n}/case.json {k}: {ja.get(k)!r} vs {jb.get(k)!r}")
                    bad += 1
    print(f"checked {len(names)} cases, worst CSV abs diff {worst:g}, {bad} mismatches")
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="+", metavar="CASE",
                    help="case names (keras3_lstm_seq) or base names (lstm_seq = both flavours)")
    ap.add_argument("--check", action="store_true", help="regenerate into a temp dir and compare CSVs")
    ap.add_argument("--out", default=DEFAULT_OUT, help=argparse.SUPPRESS)
    ap.add_argument("--worker", choices=FLAVOURS, help=argparse.SUPPRESS)
    ap.add_argument("--list", action="store_true", help="list case names")
    a = ap.parse_args()
    if a.worker:
        sys.exit(worker_main(a.worker, a.out, set(a.only or [])))
    if a.list:
        print("\n".join(all_names()))
        return
    names = select(a.only)
    t0 = time.time()
    if a.check:
        tmp = tempfile.mkdtemp(prefix="keras-fixtures-")
        try:
            rc = run_workers(tmp, names)
            rc = compare_dirs(a.out, tmp, names) or rc
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    else:
        os.makedirs(a.out, exist_ok=True)
        if not a.only:   # full run: drop stale case directories
            for n in os.listdir(a.out):
                if os.path.isdir(os.path.join(a.out, n)) and n not in names:
                    shutil.rmtree(os.path.join(a.out, n))
        rc = run_workers(a.out, names)
    print(f"{'check' if a.check else 'generate'}: {len(names)} cases, {time.time() - t0:.0f}s, "
          f"{'OK' if rc == 0 else 'FAILED'}")
    sys.exit(rc)


if __name__ == "__main__":
    main()
