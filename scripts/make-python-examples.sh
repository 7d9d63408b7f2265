#!/usr/bin/env bash
# Train the Python prepackaged-server examples (examples/sklearn-iris, xgboost-iris, mlflow-wine)
# with the real frameworks from PyPI, in a virtualenv. The models are committed, so neither the
# build nor `up` needs this; rerun it to retrain. The versions are ones seldon-core 1.18.2's
# wrapper installs beside (numpy < 2, protobuf < 4).
#
# The v2-only examples (examples/lightgbm-iris, huggingface-text) are made in a second virtualenv
# from scripts/python-examples-extra-requirements.txt (LightGBM, and transformers without PyTorch).
#
# Env: VENV (default .venv-examples), EXTRA_VENV (default .venv-examples-extra).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-.venv-examples}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import mlflow, xgboost, sklearn" 2>/dev/null; then
  echo "creating virtualenv $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r scripts/python-examples-requirements.txt
fi
for example in sklearn-iris xgboost-iris mlflow-wine; do
  echo "training examples/$example" >&2
  "$venv/bin/python" "examples/$example/train.py"
done
extra=${EXTRA_VENV:-.venv-examples-extra}
if [ ! -x "$extra/bin/python" ] || ! "$extra/bin/python" -c "import lightgbm, transformers, safetensors" 2>/dev/null; then
  echo "creating virtualenv $extra" >&2
  python3 -m venv "$extra"
  "$extra/bin/pip" install --quiet -r scripts/python-examples-extra-requirements.txt
fi
for example in lightgbm-iris huggingface-text; do
  echo "making examples/$example" >&2
  "$extra/bin/python" "examples/$example/train.py"
done
