#!/usr/bin/env bash
# Creates (or updates) the Python venv used by generate.py at <repo>/.venv (ignored by git).
# Idempotent: re-running only installs what is missing or at a different pinned version.
# --keras1: also create <repo>/.venv-keras1 (Python 3.6 + Keras 1.2.2 + Theano, requirements-keras1.txt) for the
# keras1_ cases; Python 3.6 from $PYTHON36 or pyenv (~/.pyenv/versions/3.6.*). Needs a C++ compiler for Theano.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/pip" install -q -r "$HERE/requirements.txt"
# tf-keras declares a dependency on the full `tensorflow` distribution; tensorflow-cpu (same
# version, same modules) is already installed, so install it without dependencies.
"$VENV/bin/pip" install -q --no-deps -r "$HERE/requirements-nodeps.txt"
"$VENV/bin/python" -c "import tensorflow as tf, keras, tf_keras; print('tensorflow', tf.__version__, 'keras', keras.__version__, 'tf_keras', tf_keras.__version__)"

if [ "${1:-}" = "--keras1" ]; then
  VENV1="$ROOT/.venv-keras1"
  PY36="${PYTHON36:-$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.6.*/bin/python 2>/dev/null | tail -1)}"
  if [ -z "$PY36" ] || [ ! -x "$PY36" ]; then
    echo "setup-venv.sh --keras1: no Python 3.6 (set PYTHON36=/path/to/python3.6)" >&2
    exit 1
  fi
  if [ ! -x "$VENV1/bin/python" ]; then
    "$PY36" -m venv "$VENV1"
  fi
  "$VENV1/bin/pip" install -q -r "$HERE/requirements-keras1.txt"
  KERAS_BACKEND=theano "$VENV1/bin/python" -c "import keras, theano; print('keras', keras.__version__, 'theano', theano.__version__)"
fi
