"""What a fixture case is: the Case record, the Catalogue a group of cases is declared in, the Spec a
model is built for, and the thin adapter over the two Keras flavours. No Keras import at module level:
the parent process only needs the cases' names."""
from dataclasses import dataclass
from typing import Callable, Optional

FLAVOURS = ("keras3", "keras2")
SELF_TOL = 1e-5         # stateful stepping vs plain predict: |a-b| / max(1, |b|)


class Failure(Exception):
    """A case whose Keras self-checks disagree: its fixtures are not written as ground truth."""


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
    group: str                 # A: required first group of cases (all file formats); B: the rest
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
    all_formats: Optional[bool] = None   # also JSON + weights files (default: group A only; keeps fixtures/ small)
    # hooks of the model life-cycle cases (swap, forecast, CuDNN; see that section)
    seed_base: Optional[str] = None      # draw events (and weights) as case <seed_base> does: same events.csv
    order_fn: Optional[Callable] = None  # order_fn(rng, lengths) -> [(key_index, t)] (default: interleave)
    init_weights: Optional[Callable] = None  # init_weights(worker, case, saved_model, rng): instead of random weights
    extra: Optional[Callable] = None     # extra(worker, case, dir, ctx) -> dict merged into case.json; more files
    inputs_fn: Optional[Callable] = None  # inputs_fn(x [B, T, F]) -> the inputs of a model with several inputs

    def name(self, flavour):
        return f"{flavour}_{self.base}"


class Catalogue:
    """An ordered list of cases of one group: `@catalogue.case("name", ...)` declares a case."""

    def __init__(self, group):
        self.group = group
        self.cases = []

    def case(self, base, **kw):
        def deco(fn):
            self.cases.append(Case(base=base, build=fn, group=self.group,
                                   description=kw.pop("description", fn.__doc__ or ""), **kw))
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
