#!/usr/bin/env bash
# Make the Triton example model repositories (ONNX graphs written with the `onnx` package, a TF
# SavedModel and the MNIST classifier's weights read with TensorFlow).
# Needs python3 and PyPI; the results are committed, so neither the build nor the tests need
# Python.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-.venv-triton}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet onnx numpy tensorflow-cpu
fi
"$venv/bin/python" scripts/make_triton_examples.py
