#!/usr/bin/env bash
# Counts how many of the corpus's Python prepack deployments (SKLEARN/XGBOOST/MLFLOW/LIGHTGBM/HUGGINGFACE_SERVER)
# (Seldon Core 1.18.2) `up --runtime embedded` runs and answers, each unit's modelUri pointed at
# the shipped example model of its kind; prints a table by prepack and `N passed, M failed`.
# Needs the environments (scripts/conformance-prepacks.sh or `prepare` builds them).
#
# Env: CORPUS (default ../shared/corpus/sdeps/v1.18.2), SELDON_LOCAL_PREPACKS_VENV.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${SELDON_LOCAL_PREPACKS_VENV:-$root/.venv-prepacks}"
corpus="${CORPUS:-$root/../shared/corpus/sdeps/v1.18.2}"
if ! "$venv/bin/python" -c "import yaml" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet pyyaml
fi
cargo build --quiet --manifest-path "$root/Cargo.toml" --bin seldon-local
binary="${CARGO_TARGET_DIR:-$root/target}/debug/seldon-local"
state="$(mktemp -d)"
trap 'rm -rf "$state"' EXIT
export SELDON_LOCAL_STATE_DIR="$state"
export SELDON_LOCAL_CACHE_DIR="${SELDON_LOCAL_CACHE_DIR:-$root/.venv-cache}"
exec "$venv/bin/python" "$root/scripts/conformance/corpus_prepacks.py" "$binary" "$root" "$corpus"
