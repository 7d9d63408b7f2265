#!/usr/bin/env bash
# Conformance of the Python-backed prepackaged servers (SKLEARN_SERVER, XGBOOST_SERVER,
# MLFLOW_SERVER on the seldon protocol) on the embedded runtime: each example's held-out rows
# through the engine equal the framework's own prediction (scripts/conformance/prepacks.py);
# `up` works offline after `prepare` and fails fast without it. The frameworks used for the
# expected answers are installed in a virtualenv; seldon-local builds the units' environments
# itself (in SELDON_LOCAL_CACHE_DIR, default .venv-cache here, reused across runs).
# Ends with `N passed, M failed`; exits non-zero on any failure.
#
# Usage: scripts/conformance-prepacks.sh [EXAMPLE...]   (sklearn-iris xgboost-iris mlflow-wine)
# Env: SELDON_LOCAL_PREPACKS_VENV (default .venv-prepacks).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${SELDON_LOCAL_PREPACKS_VENV:-$root/.venv-prepacks}"
started=$(date +%s)

if ! "$venv/bin/python" -c "import sklearn, xgboost, mlflow, yaml" 2>/dev/null; then
    echo "creating virtualenv $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet -r "$root/scripts/python-examples-requirements.txt" pyyaml
fi

cargo build --quiet --manifest-path "$root/Cargo.toml" --bin seldon-local
binary="${CARGO_TARGET_DIR:-$root/target}/debug/seldon-local"

state="$(mktemp -d)"
trap 'rm -rf "$state"' EXIT
export SELDON_LOCAL_STATE_DIR="$state"
export SELDON_LOCAL_CACHE_DIR="${SELDON_LOCAL_CACHE_DIR:-$root/.venv-cache}"

status=0
"$venv/bin/python" "$root/scripts/conformance/prepacks.py" "$binary" "$root" "$@" || status=$?
echo "conformance-prepacks took $(( $(date +%s) - started ))s" >&2
exit "$status"
