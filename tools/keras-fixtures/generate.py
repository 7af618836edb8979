#!/usr/bin/env python3
"""Keras fixture generator for flink-rnn.

Writes fixtures/<case>/ with model files saved by REAL Keras (Keras 3 = `keras`, Keras 2 = `tf_keras`),
replay input events and the outputs REAL Keras computes for them (see docs/SEMANTICS.md for the contract
and tools/keras-fixtures/README.md for the file format).

    .venv/bin/python tools/keras-fixtures/generate.py                 # (re)write every case
    .venv/bin/python tools/keras-fixtures/generate.py --only lstm_seq keras2_lstm_last
    .venv/bin/python tools/keras-fixtures/generate.py --check         # regenerate in a temp dir, compare CSVs

The parent process spawns one worker process per Keras flavour (Keras 3 and tf_keras are never
imported in the same process). The cases are declared in catalogues (cases_*.py, each a Catalogue of one
group), run by worker.py and written by writer.py; this file is the command line.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from cases_convlstm import CONVLSTM
from cases_graphs import GRAPHS
from cases_layers import CORE, LAYERS
from cases_lifecycle import LIFECYCLE
from cases_refused import REFUSED, write_refused
from catalogue import FLAVOURS
from worker import worker_main

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DEFAULT_OUT = os.path.join(ROOT, "fixtures")
CHECK_TOL = 1e-6        # --check: committed vs regenerated CSVs

# Every case, in the order the catalogues declare them.
CASES = CORE.cases + LAYERS.cases + GRAPHS.cases + CONVLSTM.cases + LIFECYCLE.cases
# Folders that are no ordinary case, and the function that writes each.
SPECIAL = {REFUSED: write_refused}


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
# Parent: spawn workers, --check
# ----------------------------------------------------------------------------------------------

def all_names():
    return [c.name(f) for c in CASES for f in FLAVOURS if f in c.flavours] + keras1_names() + list(SPECIAL)


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
        sys.exit(worker_main(a.worker, a.out, set(a.only or []), CASES, SPECIAL))
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
