#!/usr/bin/env python3
"""Keras fixture generator for flink-rnn.

Writes fixtures/<case>/ with model files saved by REAL Keras (Keras 3 = `keras`, Keras 2 = `tf_keras`),
replay input events and the outputs REAL Keras computes for them (see docs/SEMANTICS.md for the contract
and tools/keras-fixtures/README.md for the file format).

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

from fixture_common import interleave, reldiff

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
    # hooks of the model life-cycle cases (swap, forecast, CuDNN; see that section)
    seed_base: Optional[str] = None      # draw events (and weights) as case <seed_base> does: same events.csv
    order_fn: Optional[Callable] = None  # order_fn(rng, lengths) -> [(key_index, t)] (default: interleave)
    init_weights: Optional[Callable] = None  # init_weights(worker, case, saved_model, rng): instead of random weights
    extra: Optional[Callable] = None     # extra(worker, case, dir, ctx) -> dict merged into case.json; more files
    inputs_fn: Optional[Callable] = None  # inputs_fn(x [B, T, F]) -> the inputs of a model with several inputs

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


@case("window_unroll", mode="window", window=6, seq_out=False, features=3, lengths=(14, 6, 19, 4),
      all_formats=False,
      description="Input(shape=(6, 3)) -> LSTM(5, unroll=True, return_sequences=True) -> GRU(4, unroll=True) "
                  "-> Dense(2): unroll is a graph-building option, the numbers must not change")
def _window_unroll(L, s):
    return L.seq(s, 3, [L.layers.LSTM(5, unroll=True, return_sequences=True), L.layers.GRU(4, unroll=True),
                        L.layers.Dense(2)])


@case("activations_rnn", features=4,
      description="LSTM(8, activation=relu, recurrent_activation=hard_sigmoid) -> GRU(6, activation=softsign, "
                  "recurrent_activation=hard_sigmoid) -> SimpleRNN(5, activation=elu) -> Dense(3); "
                  "hard_sigmoid differs between Keras 2 and Keras 3",
      notes="Same weights and events in keras2_ and keras3_ variants; the outputs differ because "
            "hard_sigmoid is clip(0.2x+0.5, 0, 1) in Keras 2 and relu6(x+3)/6 in Keras 3. LSTM weights are drawn "
            "from uniform(-0.5, 0.5) so that the ReLU-LSTM states stay small (|state| < ~2.5; with a wider range they "
            "grow to ~50-190 and float32 summation order alone differs by ~1e-5); relu still zeroes some h values.")
def _act_rnn(L, s):
    return L.seq(s, 4, [
        scaled(L.layers.LSTM(8, activation="relu", recurrent_activation="hard_sigmoid", return_sequences=True,
                             stateful=s.stateful), 0.5),
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
                        # Moderate tail weights keep |y| small: at |y| ~ 10 one float32 ulp is 1e-6.
                        scaled(D(8, activation="selu"), 1.0),
                        scaled(D(4, activation="softplus"), 0.6)])


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
    # Small final weights keep the log_softmax logits O(1): at |y| ~ 40 one float32 ulp is 4e-6, and
    # a 1e-5 absolute comparison would test summation order rather than the activations.
    ls += [scaled(D(8), 0.5), L.layers.LeakyReLU(), scaled(D(4, activation="log_softmax"), 0.3)]
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
                        scaled(D(8), 1.5), L.layers.ELU(alpha=0.7),
                        scaled(D(3), 0.5)])


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


# ---------------------------------- Functional graphs -----------------------------------------
# Branching and merging functional models (docs/SEMANTICS.md section 11). In stateful mode every
# recurrent layer on the events' time axis is stateful in the stepping model (states.csv numbers them
# in model.layers order); a decoder after RepeatVector is not, and starts from the encoder's states.

def _residual(L, s, inp):
    h1 = L.layers.LSTM(6, return_sequences=True, stateful=s.stateful)(inp)
    h2 = L.layers.LSTM(6, return_sequences=True, stateful=s.stateful)(h1)
    return L.layers.Add()([h1, h2])


@case("graph_residual", features=4,
      description="Functional: Input -> LSTM(6, return_sequences=True) -> LSTM(6, return_sequences=True); "
                  "Add([first, second]) (a residual skip) -> Dense(2)")
def _graph_residual(L, s):
    inp = L.input(s, (4,))
    return L.K.Model(inp, L.layers.Dense(2)(_residual(L, s, inp)))


@case("graph_residual_window", mode="window", window=5, features=4, seq_out=False, lengths=(17, 6, 25, 11),
      description="Input(shape=(5, 4)) -> the residual LSTM pair of graph_residual -> GRU(4) many-to-one -> "
                  "Dense(2); window N=5")
def _graph_residual_window(L, s):
    inp = L.input(s, (4,))
    h = L.layers.GRU(4)(_residual(L, s, inp))
    return L.K.Model(inp, L.layers.Dense(2)(h))


@case("graph_branches", features=3,
      description="Functional: Input -> [LSTM(6, return_sequences=True) | GRU(4, return_sequences=True)] -> "
                  "Concatenate -> Dense(2)")
def _graph_branches(L, s):
    inp = L.input(s, (3,))
    a = L.layers.LSTM(6, return_sequences=True, stateful=s.stateful)(inp)
    b = L.layers.GRU(4, return_sequences=True, stateful=s.stateful)(inp)
    return L.K.Model(inp, L.layers.Dense(2)(L.layers.Concatenate()([a, b])))


@case("graph_branches_window", mode="window", window=6, features=3, seq_out=False, lengths=(17, 6, 25, 11),
      description="Input(shape=(6, 3)) -> [LSTM(6) | GRU(4)] many-to-one -> Concatenate -> Dense(2); window N=6")
def _graph_branches_window(L, s):
    inp = L.input(s, (3,))
    a = L.layers.LSTM(6)(inp)
    b = L.layers.GRU(4)(inp)
    return L.K.Model(inp, L.layers.Dense(2)(L.layers.Concatenate()([a, b])))


@case("graph_merges", features=3,
      description="Functional: a = LSTM(5, seq), b = GRU(5, seq), d = Dense(5) per step, all on the input; "
                  "s = Subtract([a, b]), m = Multiply([a, d]), v = Average([a, b, d]), "
                  "Concatenate([Minimum([v, Maximum([s, m])]), s]) -> Dense(2)")
def _graph_merges(L, s):
    l = L.layers
    inp = L.input(s, (3,))
    a = l.LSTM(5, return_sequences=True, stateful=s.stateful)(inp)
    b = l.GRU(5, return_sequences=True, stateful=s.stateful)(inp)
    d = scaled(l.Dense(5), 1.0)(inp)
    sub = l.Subtract()([a, b])
    mul = l.Multiply()([a, d])
    avg = l.Average()([a, b, d])
    mn = l.Minimum()([avg, l.Maximum()([sub, mul])])
    return L.K.Model(inp, l.Dense(2)(l.Concatenate()([mn, sub])))


def _encoder_decoder(L, s, inp):
    out, h, c = L.layers.LSTM(6, return_state=True, stateful=s.stateful)(inp)
    seq = L.layers.RepeatVector(3)(out)
    dec = L.layers.LSTM(6, return_sequences=True)(seq, initial_state=[h, c])
    return L.K.Model(inp, L.layers.TimeDistributed(L.layers.Dense(2))(dec))


@case("graph_encoder_decoder", features=3, seq_out=False, lengths=(19, 8, 26, 12),
      description="Functional encoder-decoder: LSTM(6, return_state=True) encoder -> RepeatVector(3) of its output "
                  "-> LSTM(6, return_sequences=True)(initial_state=[h, c]) decoder -> TimeDistributed(Dense(2)); "
                  "output per event = the 3x2 decoder sequence",
      notes="The stepping model makes only the encoder stateful; the decoder starts from the encoder's states on "
            "every event.")
def _graph_encoder_decoder(L, s):
    return _encoder_decoder(L, s, L.input(s, (3,)))


@case("graph_encoder_decoder_window", mode="window", window=5, features=3, seq_out=False, lengths=(17, 6, 25, 11),
      description="Input(shape=(5, 3)) -> the encoder-decoder of graph_encoder_decoder; window N=5")
def _graph_encoder_decoder_window(L, s):
    return _encoder_decoder(L, s, L.input(s, (3,)))


@case("graph_masking", features=3, method="prefix", lengths=(24, 13, 37, 9), event_fn=_masked_events,
      description="Functional: Input -> Masking(mask_value=0.0) -> [LSTM(6, seq) | GRU(6, seq)] -> Add -> Dense(2); "
                  "some events all-zero. Keras 3 saves the mask as NotEqual and Any op layers and a mask= argument "
                  "of each recurrent layer; Keras 2 propagates it implicitly",
      notes="expected.csv from model.predict over every prefix (not stateful stepping).")
def _graph_masking(L, s):
    l = L.layers
    inp = L.input(s, (3,))
    m = l.Masking(mask_value=0.0)(inp)
    a = l.LSTM(6, return_sequences=True, stateful=s.stateful)(m)
    b = l.GRU(6, return_sequences=True, stateful=s.stateful)(m)
    return L.K.Model(inp, l.Dense(2)(l.Add()([a, b])))


@case("graph_masking_window", mode="window", window=6, features=3, seq_out=False, lengths=(17, 9, 25, 11),
      event_fn=_masked_events,
      description="Input(shape=(6, 3)) -> Masking(mask_value=0.0) -> [LSTM(6) | GRU(6)] many-to-one -> Add -> "
                  "Dense(2); window N=6, some events all-zero")
def _graph_masking_window(L, s):
    l = L.layers
    inp = L.input(s, (3,))
    m = l.Masking(mask_value=0.0)(inp)
    return L.K.Model(inp, l.Dense(2)(l.Add()([l.LSTM(6)(m), l.GRU(6)(m)])))


def _static_split(x):
    """Events carry 3 sequence features, then 2 static features; the static input is the last event's."""
    return [x[..., :3], x[:, -1, 3:]]


def _static_input(L, s):
    seq = L.input(s, (3,))
    static = L.K.Input(shape=(2,), batch_size=s.batch)
    h = L.layers.LSTM(6, stateful=s.stateful)(seq)
    return L.K.Model([seq, static], L.layers.Dense(2)(L.layers.Concatenate()([h, static])))


@case("graph_static_input", features=5, seq_out=False, inputs_fn=_static_split,
      description="Two inputs: Input(shape=(None, 3)) -> LSTM(6) many-to-one, and Input(shape=(2,)) static "
                  "features; Concatenate -> Dense(2). An event is x0..x2 (the step) then x3..x4 (the static features "
                  "as of that event); expected = model.predict([events[0..t] x0..x2, event t x3..x4])",
      notes="saved_batch_shape shows the event width; the model's inputs are (None, 3) and (2,).")
def _graph_static_input(L, s):
    return _static_input(L, s)


@case("graph_static_input_window", mode="window", window=5, features=5, seq_out=False, inputs_fn=_static_split,
      lengths=(17, 6, 25, 11),
      description="Input(shape=(5, 3)) and Input(shape=(2,)) as graph_static_input; window N=5, the static "
                  "features of the window's last event",
      notes="saved_batch_shape shows the event width; the model's inputs are (5, 3) and (2,).")
def _graph_static_input_window(L, s):
    return _static_input(L, s)


def _two_heads(L, s):
    """Two outputs of different layers: a Dense(2) head on the LSTM's sequence, then the sequence itself."""
    inp = L.input(s, (3,))
    h = L.layers.LSTM(6, return_sequences=True, stateful=s.stateful)(inp)
    return L.K.Model(inp, [L.layers.Dense(2)(h), h])


@case("graph_two_heads", features=3,
      description="Two outputs: Input -> LSTM(6, return_sequences=True) = h; outputs [Dense(2)(h), h]. An event's "
                  "output is y0..y1 (the Dense head's step) then y2..y7 (the LSTM's step), in the model's output order")
def _graph_two_heads(L, s):
    return _two_heads(L, s)


@case("graph_two_heads_window", mode="window", window=5, features=3, seq_out=False, lengths=(17, 6, 25, 11),
      description="Input(shape=(5, 3)) -> LSTM(6) many-to-one = h; outputs [Dense(1)(h), Dense(3, tanh)(h)]: "
                  "y0 then y1..y3; window N=5")
def _graph_two_heads_window(L, s):
    inp = L.input(s, (3,))
    h = L.layers.LSTM(6)(inp)
    return L.K.Model(inp, [L.layers.Dense(1)(h), L.layers.Dense(3, activation="tanh")(h)])


def _dot(L, s):
    l = L.layers
    inp = L.input(s, (3,))
    a = l.LSTM(5, stateful=s.stateful)(inp)
    b = l.GRU(5, stateful=s.stateful)(inp)
    both = l.Concatenate()([l.Dot(axes=1)([a, b]), l.Dot(axes=-1, normalize=True)([a, b])])
    return L.K.Model(inp, l.Dense(2)(both))


@case("graph_dot", features=3, seq_out=False,
      description="Input -> [LSTM(5) | GRU(5)] many-to-one; Concatenate([Dot(axes=1), Dot(axes=-1, normalize=True)]) "
                  "of the two -> Dense(2)")
def _graph_dot(L, s):
    return _dot(L, s)


@case("graph_dot_window", mode="window", window=5, features=3, seq_out=False, lengths=(17, 6, 25, 11),
      description="Input(shape=(5, 3)) -> the Dot model of graph_dot; window N=5")
def _graph_dot_window(L, s):
    return _dot(L, s)


def _two_sequences_split(x):
    """Events carry 3 features of the first sequence input, then 2 of the second, per step."""
    return [x[..., :3], x[..., 3:]]


@case("graph_two_sequences", features=5, inputs_fn=_two_sequences_split,
      description="Two sequence inputs: Input(shape=(None, 3)) -> LSTM(5, return_sequences=True) and "
                  "Input(shape=(None, 2)) -> GRU(4, return_sequences=True); Concatenate -> Dense(2). An event is "
                  "x0..x2 (the first input's step) then x3..x4 (the second's)")
def _graph_two_sequences(L, s):
    a = L.input(s, (3,))
    b = L.input(s, (2,))
    ha = L.layers.LSTM(5, return_sequences=True, stateful=s.stateful)(a)
    hb = L.layers.GRU(4, return_sequences=True, stateful=s.stateful)(b)
    return L.K.Model([a, b], L.layers.Dense(2)(L.layers.Concatenate()([ha, hb])))


@case("graph_two_sequences_window", mode="window", window=5, features=5, seq_out=False,
      inputs_fn=_two_sequences_split, lengths=(17, 6, 25, 11),
      description="Encoder input Input(shape=(5, 3)) -> LSTM(6, return_state=True); decoder input "
                  "Input(shape=(5, 2)) -> LSTM(6, return_sequences=True)(initial_state=[h, c]) -> "
                  "TimeDistributed(Dense(2)); window N=5, an event x0..x2 (encoder step) then x3..x4 (decoder step), "
                  "output the whole 5x2 decoder sequence")
def _graph_two_sequences_window(L, s):
    enc = L.input(s, (3,))
    dec = L.input(s, (2,))
    _, h, c = L.layers.LSTM(6, return_state=True)(enc)
    y = L.layers.LSTM(6, return_sequences=True)(dec, initial_state=[h, c])
    return L.K.Model([enc, dec], L.layers.TimeDistributed(L.layers.Dense(2))(y))


# ---------------------------------- ConvLSTM2D ------------------------------------------------
# Video streams: one event = one frame (rows, cols, channels) or (channels, rows, cols), flattened
# in C order (docs/SEMANTICS.md section 6). Small frames and few keys keep every file well below 100 KB.
# Keras 3 on TensorFlow CPU (TF_ENABLE_ONEDNN_OPTS=0) refuses NCHW convolutions ("The Conv2D op currently
# only supports the NHWC tensor format on the CPU"), so the Keras 3 channels_first models run under XLA,
# whose CPU convolution supports NCHW: still Keras computing the numbers. compile(jit_compile=True) alone
# is ignored while op determinism is on (keras model_supports_jit), hence the private flag; XLA's CPU
# convolution is deterministic single-threaded. tf_keras transposes to NHWC on CPU by itself.
CONV_FRAME = (6, 5, 2)       # rows, cols, channels
CONV_LENGTHS = (15, 8, 12)
CONV_KEYS = ("cam-0", "cam-1", "cam-2")


def _frames(shape):
    def events(rng, ki, T, F):
        return rng.normal(0.0, 1.0, (T,) + tuple(shape)).astype(np.float32)
    return events


def conv_case(base, frame=CONV_FRAME, **kw):
    kw.setdefault("lengths", CONV_LENGTHS)
    kw.setdefault("keys", CONV_KEYS)
    kw.setdefault("n_resets", 1)
    return case(base, features=int(np.prod(frame)), event_fn=_frames(frame), all_formats=False, **kw)


def _conv_seq(L, s, layers, frame=CONV_FRAME, xla=False):
    m = L.seq(s, None, layers, feat_shape=frame)
    if xla and L.k3:
        m.compile()
        m._jit_compile = True
    return m


@conv_case("convlstm_seq",
           description="ConvLSTM2D(3, (3, 3), padding='same', return_sequences=True), channels_last 6x5x2 frames; "
                       "output per event = the 6x5x3 h map")
def _convlstm_seq(L, s):
    return _conv_seq(L, s, [L.layers.ConvLSTM2D(3, (3, 3), padding="same", return_sequences=True,
                                                stateful=s.stateful)])


@conv_case("convlstm_valid_strides",
           description="ConvLSTM2D(4, (3, 2), strides=2, padding='valid', return_sequences=True): 6x5x2 frames -> "
                       "2x2x4 maps")
def _convlstm_valid_strides(L, s):
    return _conv_seq(L, s, [L.layers.ConvLSTM2D(4, (3, 2), strides=2, padding="valid", return_sequences=True,
                                                stateful=s.stateful)])


@conv_case("convlstm_dilation",
           description="ConvLSTM2D(3, (3, 3), dilation_rate=(2, 1), padding='same', return_sequences=True)")
def _convlstm_dilation(L, s):
    return _conv_seq(L, s, [L.layers.ConvLSTM2D(3, (3, 3), dilation_rate=(2, 1), padding="same",
                                                return_sequences=True, stateful=s.stateful)])


@conv_case("convlstm_channels_first", frame=(2, 6, 5),
           description="ConvLSTM2D(3, (3, 3), strides=(2, 1), padding='same', data_format='channels_first', "
                       "return_sequences=True): (2, 6, 5) frames -> (3, 3, 5) maps",
           notes="Keras 3 computes this model with jit_compile=True (XLA): TensorFlow's CPU kernels refuse "
                 "channels_first convolutions without oneDNN.")
def _convlstm_channels_first(L, s):
    return _conv_seq(L, s, [L.layers.ConvLSTM2D(3, (3, 3), strides=(2, 1), padding="same",
                                                data_format="channels_first", return_sequences=True,
                                                stateful=s.stateful)], frame=(2, 6, 5), xla=True)


@conv_case("convlstm_stacked",
           description="ConvLSTM2D(3, (3, 3), same, return_sequences=True) -> ConvLSTM2D(2, (2, 2), valid, "
                       "return_sequences=True): 6x5x2 frames -> 5x4x2 maps")
def _convlstm_stacked(L, s):
    return _conv_seq(L, s, [L.layers.ConvLSTM2D(3, (3, 3), padding="same", return_sequences=True,
                                                stateful=s.stateful),
                            L.layers.ConvLSTM2D(2, (2, 2), padding="valid", return_sequences=True,
                                                stateful=s.stateful)])


@conv_case("convlstm_last", seq_out=False,
           description="ConvLSTM2D(3, (3, 3), same) many-to-one -> Flatten -> Dense(2)")
def _convlstm_last(L, s):
    return _conv_seq(L, s, [L.layers.ConvLSTM2D(3, (3, 3), padding="same", stateful=s.stateful),
                            L.layers.Flatten(), L.layers.Dense(2)])


@conv_case("convlstm_activations_no_bias",
           description="ConvLSTM2D(3, (2, 3), activation='relu', recurrent_activation='hard_sigmoid', "
                       "use_bias=False, padding='same', return_sequences=True)",
           notes="hard_sigmoid is clip(0.2x+0.5, 0, 1) in Keras 2 and relu6(x+3)/6 in Keras 3.")
def _convlstm_act(L, s):
    return _conv_seq(L, s, [scaled(L.layers.ConvLSTM2D(3, (2, 3), activation="relu",
                                                       recurrent_activation="hard_sigmoid", use_bias=False,
                                                       padding="same", return_sequences=True,
                                                       stateful=s.stateful), 0.8)])


@conv_case("convlstm_bidirectional", mode="window", window=4, seq_out=False,
           description="Input(shape=(4, 6, 5, 2)) -> Bidirectional(ConvLSTM2D(2, (3, 3), same)) concat on the "
                       "channel axis; window N=4, output = the 6x5x4 map")
def _convlstm_bidi(L, s):
    return _conv_seq(L, s, [L.layers.Bidirectional(L.layers.ConvLSTM2D(2, (3, 3), padding="same"))])


@conv_case("convlstm_bidirectional_channels_first", mode="window", window=3, seq_out=False, frame=(2, 6, 5),
           description="Input(shape=(3, 2, 6, 5)) -> Bidirectional(ConvLSTM2D(2, (3, 3), same, "
                       "data_format='channels_first')): concat on the last axis, which is the map's columns "
                       "here: output (2, 6, 10); window N=3",
           notes="Keras 3 computes this model with jit_compile=True (XLA), see convlstm_channels_first.")
def _convlstm_bidi_cf(L, s):
    return _conv_seq(L, s, [L.layers.Bidirectional(L.layers.ConvLSTM2D(2, (3, 3), padding="same",
                                                                       data_format="channels_first"))],
                     frame=(2, 6, 5), xla=True)


@conv_case("convlstm_go_backwards", mode="window", window=3,
           description="Input(shape=(3, 6, 5, 2)) -> ConvLSTM2D(2, (3, 3), valid, go_backwards=True, "
                       "return_sequences=True); window N=3, output = the whole (reversed-time) 3x4x3x2 sequence")
def _convlstm_go_backwards(L, s):
    return _conv_seq(L, s, [L.layers.ConvLSTM2D(2, (3, 3), padding="valid", go_backwards=True,
                                                return_sequences=True)])



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
        self.inputs_fn = None
        self.seq_out = True

    def predict(self, model, x):
        """model.predict with a freshly traced predict function.

        Keras 3.15.1 (TF backend) caches one predict function per model and relaxes the traced input
        shape after a second sequence length; with TimeDistributed after a variable-length RNN the
        relaxed trace returns a wrong time axis (e.g. (2, 9, 4) -> (2, 2, 2)). Dropping the cached
        function makes every call trace for its concrete shape (what a first predict call does).
        tf_keras does not have the problem (and retraces per new shape anyway)."""
        if self.L.k3:
            model.predict_function = None
        return self.joined(model.predict(self.model_inputs(x), verbose=0))

    def joined(self, y):
        """A model's outputs as flink-rnn serves them: several outputs side by side, each flattened per step
        (a sequence output) or per row, in the model's output order."""
        if not isinstance(y, (list, tuple)):
            return np.asarray(y)
        lead = 2 if self.seq_out else 1
        return np.concatenate([np.asarray(o).reshape(o.shape[:lead] + (-1,)) for o in y], axis=-1)

    def model_inputs(self, x):
        """A batch of event sequences as the model takes it: split over several inputs when the case says so."""
        return self.inputs_fn(x) if self.inputs_fn else x

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
        self.inputs_fn = c.inputs_fn
        self.seq_out = c.seq_out
        seed = zlib.crc32((c.seed_base or c.base).encode())
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
        order = (c.order_fn or interleave)(rng, c.lengths)
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
        if c.init_weights:
            c.init_weights(self, c, saved, np.random.default_rng(seed + 1))
        else:
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
        extra_meta = {}
        if c.extra:
            extra_meta = c.extra(self, c, d, dict(
                seqs=seqs, order=order, saved=saved, ref=ref, weights=weights, outs=outs, states=states, seed=seed,
                notes=notes, maxdiff=maxdiff, files=files, F=F, O=O)) or {}
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
        meta.update(extra_meta)
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
            y = self.joined(step.predict_on_batch(self.model_inputs(xb[:, s:s + 1])))
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


# ----------------------------------------------------------------------------------------------
# Model life-cycle cases: swap, forecast, CuDNN (and the Keras 1 flavour, see keras1_worker.py)
# ----------------------------------------------------------------------------------------------
# These cases are ordinary stateful cases (expected.csv, states.csv, ... for their first model, so
# every generic test reads them) plus extra files written by an `extra` hook after run_case computed
# the standard ones. Everything is still computed by Keras: stateful copies stepped one event at a
# time, states assigned through the recurrent layers' state variables, cross-checked against plain
# predict / initial_state calls.
GROUP[0] = "B"
SWAP_KEYS = ("k0", "sensor-1", "user_42", "late-3")
SWAP_LENGTHS = (23, 12, 31, 9)
FORECAST_H = 5


def _swap_row(lengths):
    """0-based index in events.csv of the first row served by the new model: the middle of keys 0..2's rows."""
    return sum(lengths[:3]) // 2


def _swap_order(rng, lengths):
    """Keys 0..2 interleaved; key 3 ("late-3") only after the swap row (it has no v1 state), never first."""
    base = interleave(rng, lengths[:3])
    S = _swap_row(lengths)
    head, tail = base[:S], base[S:]
    late = [(3, t) for t in range(lengths[3])]
    pos = sorted(rng.choice(np.arange(1, len(tail) + len(late)), size=len(late), replace=False))
    out, it_tail, it_late = [], iter(tail), iter(late)
    for i in range(len(tail) + len(late)):
        out.append(next(it_late) if i in pos else next(it_tail))
    return head + out


def _set_row_states(w, step, rows):
    """rows[i] = [[state arrays of layer 0], ...] or None (zeros): assign the stateful model's state variables."""
    for li, l in enumerate(w.rnn_layers(step)):
        for si, v in enumerate(w.tf.nest.flatten(l.states)):
            val = np.zeros(tuple(v.shape), np.float32)
            for i, r in enumerate(rows):
                if r is not None:
                    val[i] = r[li][si]
            v.assign(val)


def _step_rows(w, step, inputs, init=None):
    """Step a stateful (batch B, 1 timestep) model one event per call. Row i = inputs[i] (may be empty),
    starting from init[i] (states as read_states gives them, per row) or zero. Returns per-row outputs
    [len, O] and per-row states after the row's last event (its initial states when it has none)."""
    B = step.inputs[0].shape[0]
    n = len(inputs)
    init = list(init) if init is not None else [None] * n
    _set_row_states(w, step, init + [None] * (B - n))
    states = [init[i] if len(x) == 0 else None for i, x in enumerate(inputs)]
    outs = [np.zeros((len(x), 0), np.float32) for x in inputs]
    Tmax = max(len(x) for x in inputs)
    feat = inputs[0].shape[1:]
    xb = np.zeros((B, Tmax) + feat, np.float32)
    for i, x in enumerate(inputs):
        xb[i, :len(x)] = x
    for s in range(Tmax):
        y = np.asarray(step.predict_on_batch(xb[:, s:s + 1]))
        st = w.read_states(step)
        for i, x in enumerate(inputs):
            if s < len(x):
                row = y[i, 0].ravel()
                if outs[i].shape[1] == 0:
                    outs[i] = np.zeros((len(x), row.size), np.float32)
                outs[i][s] = row
                if s == len(x) - 1:
                    states[i] = [[v[i].copy() for v in layer] for layer in st]
    w.reset(step)
    return outs, states


def _write_rows(path, header, rows):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for r in rows:     # r = [key, t, (h,) array of outputs]
            f.write(",".join(list(r[:-1]) + [fmt(a) for a in np.ravel(r[-1])]) + "\n")


def _save_pair(w, model, d, stem, kinds):
    """Save `model` as <stem>.keras / <stem>.h5 (Keras 3) or <stem>.h5 (Keras 2) and reload-check them."""
    import warnings
    K = w.L.K
    files = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if w.L.k3 and "keras" in kinds:
            model.save(os.path.join(d, stem + ".keras"))
            files["keras"] = stem + ".keras"
        if "h5" in kinds:
            if w.L.k3:
                model.save(os.path.join(d, stem + ".h5"))
            else:
                model.save(os.path.join(d, stem + ".h5"), save_format="h5")
            files["h5"] = stem + ".h5"
    return files


def _reload_diff(w, files, d, x, want):
    import warnings
    md = 0.0
    for fn in files.values():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = w.L.K.models.load_model(os.path.join(d, fn))
        md = max(md, reldiff(w.predict(m, x), want))
    return md


def _rename_model_files(d, files, stem, keep=("keras", "h5", "json", "weights")):
    """model.keras -> <stem>.keras, model.h5 -> <stem>.h5 (others dropped); updates `files` in place."""
    for kind, fn in list(files.items()):
        if kind in keep:
            new = stem + fn[len("model"):] if fn.startswith("model") else fn
            os.replace(os.path.join(d, fn), os.path.join(d, new))
            files[kind] = new
        else:
            os.remove(os.path.join(d, fn))
            del files[kind]


def _swap_heads_tails(c, ctx):
    seqs, order = ctx["seqs"], ctx["order"]
    S = _swap_row(c.lengths)
    pre = [sum(1 for ki, _ in order[:S] if ki == k) for k in range(len(seqs))]
    return S, pre, [seqs[k][:pre[k]] for k in range(len(seqs))], [seqs[k][pre[k]:] for k in range(len(seqs))]


def _swap_write(c, d, fname, order, S, pre, v1_outs, tail_outs):
    rows = []
    for i, (ki, t) in enumerate(order):
        y = v1_outs[ki][t] if i < S else tail_outs[ki][t - pre[ki]]
        if i < S:
            assert t < pre[ki]
        rows.append([c.keys[ki], str(t), y])
    _write_rows(os.path.join(d, fname), ["key", "t"] + ["y%d" % i for i in range(len(rows[0][2]))], rows)


def _swap_build(L, s):
    return L.seq(s, 4, [L.layers.LSTM(8, return_sequences=True, stateful=s.stateful, name="lstm"),
                        L.layers.TimeDistributed(L.layers.Dense(2, name="dense"), name="time_distributed")])


def _swap_extra(w, c, d, ctx):
    """v2 = same architecture, other weights. expected_keep.csv: v2 continues v1's states from swap_row on;
    expected_swap_reset.csv: v2 from zero state over each key's remaining events."""
    L = w.L
    seqs, order, maxdiff = ctx["seqs"], ctx["order"], ctx["maxdiff"]
    S, pre, heads, tails = _swap_heads_tails(c, ctx)
    nk = len(seqs)
    v2 = c.build(L, Spec(role="saved"))
    w.set_weights(v2, np.random.default_rng(ctx["seed"] + 2))
    _rename_model_files(d, ctx["files"], "v1")
    v2_files = _save_pair(w, v2, d, "v2", ("keras", "h5"))
    maxdiff["reload_v2"] = _reload_diff(w, v2_files, d, seqs[0][None], w.predict(v2, seqs[0][None]))

    step1 = c.build(L, Spec(stateful=True, batch=nk, timesteps=1, role="step"))
    step1.set_weights(ctx["weights"])
    o1, st1 = _step_rows(w, step1, heads)
    maxdiff["swap_v1_head_vs_expected"] = max(reldiff(o1[k], np.stack([ctx["outs"][k][t] for t in range(pre[k])]))
                                              for k in range(nk) if pre[k])
    step2 = c.build(L, Spec(stateful=True, batch=nk, timesteps=1, role="step"))
    step2.set_weights(v2.get_weights())
    keep, keep_states = _step_rows(w, step2, tails, st1)
    fresh, _ = _step_rows(w, step2, tails, None)

    # keep: v2 called with initial_state = v1's (h, c) for the key over its tail (a second Keras path)
    K = L.K
    inp, h0, c0 = K.Input((None, 4)), K.Input((8,)), K.Input((8,))
    y = L.layers.LSTM(8, return_sequences=True)(inp, initial_state=[h0, c0])
    init_model = K.Model([inp, h0, c0], L.layers.TimeDistributed(L.layers.Dense(2))(y))
    init_model.set_weights(v2.get_weights())
    md_keep, md_fresh = 0.0, 0.0
    for k in range(nk):
        if not len(tails[k]):
            continue
        hs = st1[k] if st1[k] is not None else [[np.zeros(8, np.float32), np.zeros(8, np.float32)]]
        got = w.predict(init_model, [tails[k][None], hs[0][0][None], hs[0][1][None]])[0]
        md_keep = max(md_keep, reldiff(keep[k], got))
        md_fresh = max(md_fresh, reldiff(fresh[k], w.predict(v2, tails[k][None])[0]))
    maxdiff["swap_keep_vs_initial_state_predict"] = md_keep
    maxdiff["swap_reset_vs_v2_predict"] = md_fresh
    if max(md_keep, md_fresh, maxdiff["swap_v1_head_vs_expected"]) > SELF_TOL:
        raise Failure(f"{c.name(L.name)}: swap self-check failed ({md_keep:g}, {md_fresh:g})")
    _swap_write(c, d, "expected_keep.csv", order, S, pre, ctx["outs"], keep)
    _swap_write(c, d, "expected_swap_reset.csv", order, S, pre, ctx["outs"], fresh)
    return {"swap_row": S,
            "swap": {"v1": dict(ctx["files"]), "v2": v2_files,
                     "first_v2_t": {c.keys[k]: pre[k] for k in range(nk)},
                     "expected_keep": "expected_keep.csv", "expected_reset": "expected_swap_reset.csv"}}


def _swap_other_extra(w, c, d, ctx):
    """v3 (GRU, other state layout) over the same events; expected_swap_reset.csv = v1 (the swap case's
    model, rebuilt from the same seed) before swap_row, v3 from zero state from swap_row on."""
    L = w.L
    S, pre, heads, tails = _swap_heads_tails(c, ctx)
    nk = len(ctx["seqs"])
    _rename_model_files(d, ctx["files"], "v3", keep=("keras",) if L.k3 else ("h5",))
    v1 = _swap_build(L, Spec(role="saved"))
    w.set_weights(v1, np.random.default_rng(ctx["seed"] + 1))   # = the swap case's v1 weights
    step1 = _swap_build(L, Spec(stateful=True, batch=nk, timesteps=1, role="step"))
    step1.set_weights(v1.get_weights())
    o1, _ = _step_rows(w, step1, heads)
    md1 = max(reldiff(o1[k], w.predict(v1, heads[k][None])[0]) for k in range(nk) if pre[k])
    step3 = c.build(L, Spec(stateful=True, batch=nk, timesteps=1, role="step"))
    step3.set_weights(ctx["weights"])
    fresh, _ = _step_rows(w, step3, tails)
    md3 = max(reldiff(fresh[k], w.predict(ctx["ref"], tails[k][None])[0]) for k in range(nk) if len(tails[k]))
    ctx["maxdiff"]["swap_v1_head_vs_predict"] = md1
    ctx["maxdiff"]["swap_reset_vs_v3_predict"] = md3
    if max(md1, md3) > SELF_TOL:
        raise Failure(f"{c.name(L.name)}: swap self-check failed ({md1:g}, {md3:g})")
    _swap_write(c, d, "expected_swap_reset.csv", order=ctx["order"], S=S, pre=pre,
                v1_outs={k: o1[k] for k in range(nk)}, tail_outs=fresh)
    return {"swap_row": S,
            "swap": {"of_case": c.name(L.name).replace("swap_other_shape", "swap"), "v3": dict(ctx["files"]),
                     "first_v2_t": {c.keys[k]: pre[k] for k in range(nk)},
                     "expected_reset": "expected_swap_reset.csv"}}


case("swap", features=4, lengths=SWAP_LENGTHS, keys=SWAP_KEYS, order_fn=_swap_order, n_resets=0,
     all_formats=False, extra=_swap_extra,
     description="Hot swap: v1 and v2 = LSTM(8, return_sequences=True) -> TimeDistributed(Dense(2)), same "
                 "architecture, different weights; v2 serves events.csv rows from swap_row on",
     notes="expected.csv/states.csv are v1 over all events (no swap). expected_keep.csv: v2 continues each key's "
           "v1 states (h, c); expected_swap_reset.csv: v2 from zero state. Key late-3 has no event before "
           "swap_row (no v1 state: it starts from zero in both files).")(_swap_build)


@case("swap_other_shape", features=4, lengths=SWAP_LENGTHS, keys=SWAP_KEYS, order_fn=_swap_order, n_resets=0,
      seed_base="swap", all_formats=False, extra=_swap_other_extra,
      description="v3 = GRU(8, return_sequences=True) -> TimeDistributed(Dense(2)) over the swap case's events: "
                  "a different state layout, which a keep-states swap from the swap case's v1 must refuse")
def _swap_other(L, s):
    return L.seq(s, 4, [L.layers.GRU(8, return_sequences=True, stateful=s.stateful),
                        L.layers.TimeDistributed(L.layers.Dense(2))])


def _forecast_after(c):
    """Mid-stream forecasts: keys 0 and 2, after their event index len//2."""
    return {0: c.lengths[0] // 2, 2: c.lengths[2] // 2}


def _forecast_extra(w, c, d, ctx):
    """One live stateful model steps every key; after a key's event t (its last, or a mid-stream one) the states
    of all rows are saved, the key's outputs are fed back H times (the one-to-many loop), the states are
    restored, and the live stream continues (its outputs must still equal expected.csv)."""
    L = w.L
    seqs, outs = ctx["seqs"], ctx["outs"]
    nk, F = len(seqs), c.features
    mid = _forecast_after(c)
    step = c.build(L, Spec(stateful=True, batch=nk, timesteps=1, role="step"))
    step.set_weights(ctx["weights"])
    w.reset(step)
    Tmax = max(len(x) for x in seqs)
    xb = np.zeros((nk, Tmax, F), np.float32)
    for k, x in enumerate(seqs):
        xb[k, :len(x)] = x
    live = [np.zeros((len(x), F), np.float32) for x in seqs]
    fc = {}   # (k, t) -> [H, F]
    for s in range(Tmax):
        y = np.asarray(step.predict_on_batch(xb[:, s:s + 1]))[:, 0]
        for k in range(nk):
            if s < len(seqs[k]):
                live[k][s] = y[k]
        rows = [k for k in range(nk) if s == len(seqs[k]) - 1 or mid.get(k) == s]
        if rows:
            saved_states = w.read_states(step)
            feed = np.zeros((nk, 1, F), np.float32)
            for k in rows:
                feed[k, 0] = y[k]
                fc[(k, s)] = np.zeros((FORECAST_H, F), np.float32)
            for h in range(FORECAST_H):
                yh = np.asarray(step.predict_on_batch(feed))[:, 0]
                for k in rows:
                    fc[(k, s)][h] = yh[k]
                    feed[k, 0] = yh[k]
            for l, layer in zip(w.rnn_layers(step), saved_states):
                for v, val in zip(w.tf.nest.flatten(l.states), layer):
                    v.assign(val)
    w.reset(step)
    md_live = max(reldiff(live[k], np.stack([outs[k][t] for t in range(len(seqs[k]))])) for k in range(nk))
    # the same forecast by plain predict over events 0..t followed by the fed-back outputs
    md_fc = 0.0
    for (k, t), f in fc.items():
        fed = np.concatenate([live[k][t:t + 1], f[:-1]])
        y = w.predict(ctx["ref"], np.concatenate([seqs[k][:t + 1], fed])[None])[0]
        md_fc = max(md_fc, reldiff(f, y[t + 1:]))
    ctx["maxdiff"]["live_after_forecasts_vs_expected"] = md_live
    ctx["maxdiff"]["forecast_vs_predict_fed_sequence"] = md_fc
    if max(md_live, md_fc) > SELF_TOL:
        raise Failure(f"{c.name(L.name)}: forecast self-check failed ({md_live:g}, {md_fc:g})")
    hdr = ["key", "t", "h"] + ["y%d" % i for i in range(F)]
    for fname, keep in (("forecast.csv", lambda k, t: t == len(seqs[k]) - 1),
                        ("forecast_mid.csv", lambda k, t: mid.get(k) == t)):
        rows = [[c.keys[k], str(t), str(h + 1), fc[(k, t)][h]]
                for (k, t) in sorted(fc) if keep(k, t) for h in range(FORECAST_H)]
        _write_rows(os.path.join(d, fname), hdr, rows)
    return {"forecast_horizon": FORECAST_H,
            "forecast_after": {c.keys[k]: t for k, t in sorted(mid.items())},
            "forecast_files": {"last": "forecast.csv", "mid": "forecast_mid.csv"}}


@case("forecast", flavours=("keras3",), features=3, lengths=(23, 12, 31, 9), all_formats=False, extra=_forecast_extra,
      description="LSTM(8, return_sequences=True) -> TimeDistributed(Dense(3)) on 3 features: output width = "
                  "input width, so outputs can be fed back (forecast.csv, forecast_mid.csv)",
      notes="forecast.csv: after each key's last event t, the stateful one-to-many loop x_{t+h} = y_{t+h-1} for "
            "h = 1..5 (row h = y_{t+h}); forecast_mid.csv: the same after event forecast_after[key] while the "
            "key's later events continue from the untouched live state (expected.csv holds for them).")
def _forecast(L, s):
    return L.seq(s, 3, [L.layers.LSTM(8, return_sequences=True, stateful=s.stateful),
                        L.layers.TimeDistributed(L.layers.Dense(3))])


# ---- CuDNN (Keras 2): CuDNNLSTM / CuDNNGRU files, outputs through tf_keras's own weight conversion ----

def _cudnn_layers(L, s, kind):
    from tf_keras.src.layers.rnn.cudnn_gru import CuDNNGRU
    from tf_keras.src.layers.rnn.cudnn_lstm import CuDNNLSTM
    if kind == "lstm":
        return [CuDNNLSTM(8, return_sequences=True, stateful=s.stateful),
                L.layers.TimeDistributed(L.layers.Dense(2))]
    return [CuDNNGRU(6, stateful=s.stateful), L.layers.Dense(2)]


def _cudnn_init(kind):
    def init(w, c, saved, rng):
        """Random weights in the CuDNN layout (bias 8u / 6u), converted into the plain layer the way
        tf_keras's HDF5 loader does (preprocess_weights_for_loading)."""
        from tf_keras.src.saving.legacy.hdf5_format import preprocess_weights_for_loading
        L = w.L
        cud = L.seq(Spec(role="saved"), c.features, _cudnn_layers(L, Spec(role="saved"), kind))
        w.set_weights(cud, rng)
        for lc, lp in zip(cud.layers, saved.layers):
            ws = lc.get_weights()
            if ws:
                lp.set_weights(preprocess_weights_for_loading(lp, ws, original_keras_version=L.version,
                                                              original_backend="tensorflow"))
        w._cudnn_model = cud
    return init


def _cudnn_extra(w, c, d, ctx):
    import warnings
    L = w.L
    cud = w._cudnn_model
    files = ctx["files"]
    for fn in files.values():
        os.remove(os.path.join(d, fn))
    files.clear()
    files.update(_save_pair(w, cud, d, "model", ("h5",)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back = L.K.models.load_model(os.path.join(d, "model.h5"))      # builds the CuDNN layer on CPU
        plain = c.build(L, Spec(role="saved"))
        plain.load_weights(os.path.join(d, "model.h5"))                 # tf_keras converts CuDNN -> plain
    md_w = max(float(np.max(np.abs(a - b))) for a, b in zip(back.get_weights(), cud.get_weights()))
    md = 0.0
    for k, x in enumerate(ctx["seqs"]):
        want = np.stack([ctx["outs"][k][t] for t in range(len(x))])
        y = w.predict(plain, x[None])
        y = y[0] if c.seq_out else y
        md = max(md, reldiff(y.reshape(len(x) if c.seq_out else 1, -1), want if c.seq_out else want[-1:]))
    ctx["maxdiff"]["reload_cudnn_weights"] = md_w
    ctx["maxdiff"]["load_weights_conversion_vs_expected"] = md
    if max(md, md_w) > SELF_TOL:
        raise Failure(f"{c.name(L.name)}: CuDNN reload self-check failed ({md_w:g}, {md:g})")
    layer = type(cud.layers[0]).__name__
    ctx["notes"].append(
        f"model.h5 holds a {layer} layer (CuDNN weight layout: input and recurrent biases separate, "
        f"{'8' if layer == 'CuDNNLSTM' else '6'}*units values; kernels in cuDNN gate layout). tf_keras cannot run "
        "it on CPU, so Keras itself computed the outputs: the weights were converted by tf_keras's own loader "
        "conversion (saving.legacy.hdf5_format.preprocess_weights_for_loading, the one load_weights applies) into "
        + ("LSTM(8, return_sequences=True) (tanh, sigmoid)" if layer == "CuDNNLSTM" else
           "GRU(6, reset_after=True, recurrent_activation='sigmoid')")
        + ", and that model computed expected.csv and states.csv (self-check: a plain model loading model.h5 "
          "with load_weights predicts the same).")
    return {"count_params": int(cud.count_params()),
            "cudnn": {"layer": layer, "equivalent": type(ctx["saved"].layers[0]).__name__,
                      "count_params_equivalent": int(ctx["saved"].count_params())}}


@case("cudnn_lstm", flavours=("keras2",), features=4, all_formats=False, init_weights=_cudnn_init("lstm"),
      extra=_cudnn_extra,
      description="CuDNNLSTM(8, return_sequences=True) -> TimeDistributed(Dense(2)) (tf_keras CuDNN layer, "
                  "bias 8*units); outputs = LSTM(8) with tf_keras's converted weights")
def _cudnn_lstm(L, s):
    return L.seq(s, 4, [L.layers.LSTM(8, return_sequences=True, stateful=s.stateful),
                        L.layers.TimeDistributed(L.layers.Dense(2))])


@case("cudnn_gru", flavours=("keras2",), features=4, seq_out=False, all_formats=False,
      init_weights=_cudnn_init("gru"), extra=_cudnn_extra,
      description="CuDNNGRU(6) many-to-one -> Dense(2) (tf_keras CuDNN layer, bias 6*units); outputs = "
                  "GRU(6, reset_after=True, recurrent_activation='sigmoid') with tf_keras's converted weights")
def _cudnn_gru(L, s):
    return L.seq(s, 4, [L.layers.GRU(6, reset_after=True, recurrent_activation="sigmoid", stateful=s.stateful),
                        L.layers.Dense(2)])


# ---- Keras 1 flavour: real Keras 1.2.2 + Theano in its own Python 3.6 venv (keras1_worker.py) ----
KERAS1_PY = os.path.join(ROOT, ".venv-keras1", "bin", "python")
KERAS1_WORKER = os.path.join(HERE, "keras1_worker.py")


def keras1_names():
    """Case names of keras1_worker.py (its module level imports only numpy, so this venv can read them)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("keras1_worker", KERAS1_WORKER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return ["keras1_" + c[0] for c in mod.CASES]


def keras1_skipped(names):
    """keras1_ names that cannot run because .venv-keras1 is missing (setup-venv.sh --keras1)."""
    return [] if os.path.exists(KERAS1_PY) else [n for n in names if n.startswith("keras1_")]


def keras1_worker_cmd(outdir, sel, env):
    env = dict(env, KERAS_BACKEND="theano", OMP_NUM_THREADS="1",
               THEANO_FLAGS="floatX=float32,device=cpu,base_compiledir="
                            + os.path.join(tempfile.gettempdir(), "keras1-theano-%d" % os.getuid()))
    return [KERAS1_PY, KERAS1_WORKER, "--out", outdir, "--only"] + sel, env


# ----------------------------------------------------------------------------------------------
# Models flink-rnn must refuse: only the Keras-written file and the message it gets matter, so this
# case has no events and no outputs.
# ----------------------------------------------------------------------------------------------

REFUSED = "keras3_refused"


def write_refused(outdir):
    """Bidirectional(merge_mode=None) and return_state=True both make a model with several outputs."""
    import keras
    d = os.path.join(outdir, REFUSED)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    keras.utils.set_random_seed(5)
    x = keras.Input(shape=(None, 3), name="events")
    both = keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True), merge_mode=None)(x)
    keras.Model(x, both, name="bidirectional_merge_none").save(os.path.join(d, "bidirectional_merge_none.keras"))
    x = keras.Input(shape=(None, 3), name="events")
    out, h, c = keras.layers.LSTM(4, return_state=True)(x)
    keras.Model(x, [out, h, c], name="lstm_return_state").save(os.path.join(d, "lstm_return_state.keras"))
    print(f"{REFUSED}: bidirectional_merge_none.keras, lstm_return_state.keras", flush=True)


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
    if flavour == "keras3" and REFUSED in names:
        write_refused(outdir)
    return 1 if failed else 0


# ----------------------------------------------------------------------------------------------
# Parent: spawn workers, --check
# ----------------------------------------------------------------------------------------------

def all_names():
    return [c.name(f) for c in CASES for f in FLAVOURS if f in c.flavours] + keras1_names() + [REFUSED]


def select(only):
    names = all_names()
    if not only:
        return names
    out = []
    for o in only:
        m = [n for n in names if n == o or n == f"keras3_{o}" or n == f"keras2_{o}" or n == f"keras1_{o}"]
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
    sel = [n for n in names if n.startswith("keras1_")]
    if keras1_skipped(sel):
        print(f"[keras1] skipped {' '.join(sel)}: no {KERAS1_PY} (tools/keras-fixtures/setup-venv.sh --keras1)",
              flush=True)
    elif sel:
        cmd, env1 = keras1_worker_cmd(outdir, sel, env)
        procs.append(("keras1", subprocess.Popen(cmd, env=env1, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
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
            rc = compare_dirs(a.out, tmp, [n for n in names if n not in keras1_skipped(names)]) or rc
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
