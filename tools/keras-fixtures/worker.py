"""The worker: runs inside one Keras flavour (Keras 3 and tf_keras are never imported in the same
process), builds each case's models, runs them the ways the case asks (stateful stepping, prefix or
window predicts) with self-checks, and hands the numbers to the writer."""
import os
import shutil
import time
import zlib

import numpy as np

import writer
from catalogue import SELF_TOL, Case, Failure, Flavour, Spec
from fixture_common import interleave, reldiff


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

        writer.write_events(d, c.keys, c.features, bool(c.int_vocab), seqs, order)
        writer.write_outputs(d, "expected.csv", c.keys, order, outs, O)
        n_out = sum(len(o) for o in outs.values())
        if c.mode == "stateful":
            writer.write_resets(d, c.keys, resets)
            writer.write_outputs(d, "expected_reset.csv", c.keys, order, outs_reset, O)
            writer.write_states(d, c.keys, states)
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
        writer.write_meta(d, meta)
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


def worker_main(flavour, outdir, names, cases, special):
    """Runs the named cases of `cases` in this flavour; `special` maps the names of folders that are no
    ordinary case (keras3_refused) to the function that writes them."""
    if flavour == "keras3":
        os.environ["KERAS_BACKEND"] = "tensorflow"
    w = Worker(flavour)
    failed = 0
    for c in cases:
        if flavour in c.flavours and c.name(flavour) in names:
            try:
                w.run_case(c, outdir)
            except Failure as e:
                print("FAILED:", e, flush=True)
                failed += 1
    for name, write in special.items():
        if name.startswith(flavour + "_") and name in names:
            write(outdir)
    return 1 if failed else 0
