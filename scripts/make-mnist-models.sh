#!/usr/bin/env bash
# Make the example MNIST-like SavedModels (TF1 graph and TF2/Keras), the held-out inputs with
# TensorFlow's own outputs, and the op-coverage test fixtures. Needs python3 and PyPI; the
# results are committed, so neither the build nor the tests need TensorFlow.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-.venv-mnist}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet tensorflow-cpu scikit-learn
fi
"$venv/bin/python" scripts/make_mnist_models.py
