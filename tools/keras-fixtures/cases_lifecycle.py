"""Case catalogue: the model life cycle, group B. These cases are ordinary stateful cases (expected.csv,
states.csv, ... for their first model, so every generic test reads them) plus extra files written by an
`extra` hook after the worker computed the standard ones: hot swaps (v2 continuing v1's states, or
starting fresh), forecasts (the stateful one-to-many loop) and Keras 2's CuDNN layers (the Keras 1
flavour is keras1_worker.py). Everything is still computed by Keras: stateful copies stepped one event at
a time, states assigned through the recurrent layers' state variables, cross-checked against plain
predict / initial_state calls."""
import os

import numpy as np

import writer
from catalogue import SELF_TOL, Catalogue, Failure, Spec
from fixture_common import interleave, reldiff

LIFECYCLE = Catalogue("B")
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


def _save_pair(w, model, d, stem, kinds):
    """Save `model` as <stem>.keras / <stem>.h5 (Keras 3) or <stem>.h5 (Keras 2) and reload-check them."""
    import warnings
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
    writer.write_rows(os.path.join(d, fname), ["key", "t"] + ["y%d" % i for i in range(len(rows[0][2]))], rows)


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


LIFECYCLE.case("swap", features=4, lengths=SWAP_LENGTHS, keys=SWAP_KEYS, order_fn=_swap_order, n_resets=0,
     all_formats=False, extra=_swap_extra,
     description="Hot swap: v1 and v2 = LSTM(8, return_sequences=True) -> TimeDistributed(Dense(2)), same "
                 "architecture, different weights; v2 serves events.csv rows from swap_row on",
     notes="expected.csv/states.csv are v1 over all events (no swap). expected_keep.csv: v2 continues each key's "
           "v1 states (h, c); expected_swap_reset.csv: v2 from zero state. Key late-3 has no event before "
           "swap_row (no v1 state: it starts from zero in both files).")(_swap_build)


@LIFECYCLE.case("swap_other_shape", features=4, lengths=SWAP_LENGTHS, keys=SWAP_KEYS, order_fn=_swap_order, n_resets=0,
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
        writer.write_rows(os.path.join(d, fname), hdr, rows)
    return {"forecast_horizon": FORECAST_H,
            "forecast_after": {c.keys[k]: t for k, t in sorted(mid.items())},
            "forecast_files": {"last": "forecast.csv", "mid": "forecast_mid.csv"}}


@LIFECYCLE.case("forecast", flavours=("keras3",), features=3, lengths=(23, 12, 31, 9), all_formats=False, extra=_forecast_extra,
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


@LIFECYCLE.case("cudnn_lstm", flavours=("keras2",), features=4, all_formats=False, init_weights=_cudnn_init("lstm"),
      extra=_cudnn_extra,
      description="CuDNNLSTM(8, return_sequences=True) -> TimeDistributed(Dense(2)) (tf_keras CuDNN layer, "
                  "bias 8*units); outputs = LSTM(8) with tf_keras's converted weights")
def _cudnn_lstm(L, s):
    return L.seq(s, 4, [L.layers.LSTM(8, return_sequences=True, stateful=s.stateful),
                        L.layers.TimeDistributed(L.layers.Dense(2))])


@LIFECYCLE.case("cudnn_gru", flavours=("keras2",), features=4, seq_out=False, all_formats=False,
      init_weights=_cudnn_init("gru"), extra=_cudnn_extra,
      description="CuDNNGRU(6) many-to-one -> Dense(2) (tf_keras CuDNN layer, bias 6*units); outputs = "
                  "GRU(6, reset_after=True, recurrent_activation='sigmoid') with tf_keras's converted weights")
def _cudnn_gru(L, s):
    return L.seq(s, 4, [L.layers.GRU(6, reset_after=True, recurrent_activation="sigmoid", stateful=s.stateful),
                        L.layers.Dense(2)])
