#!/usr/bin/env bash
# Train the Python prepackaged-server examples (examples/sklearn-iris, xgboost-iris, mlflow-wine)
# with the real frameworks from PyPI, in a virtualenv. The models are committed, so neither the
# build nor `up` needs this; rerun it to retrain. The versions are ones seldon-core 1.18.2's
# wrapper installs beside (numpy < 2, protobuf < 4).
#
# Env: VENV (default .venv-examples).
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
