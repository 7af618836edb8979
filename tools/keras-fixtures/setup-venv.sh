#!/usr/bin/env bash
# Creates (or updates) the Python venv used by generate.py at <repo>/.venv (ignored by git).
# Idempotent: re-running only installs what is missing or at a different pinned version.
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
