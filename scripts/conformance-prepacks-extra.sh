#!/usr/bin/env bash
# Conformance of the v2-only Python prepacks on the embedded runtime
# (scripts/conformance/prepacks_extra.py): LIGHTGBM_SERVER where `--config` adds it
# (examples/lightgbm-iris: every held-out row through the engine equals LightGBM's own predict,
# offline after `prepare`), TEMPO_SERVER failing at once with its reason, and HUGGINGFACE_SERVER
# (examples/huggingface-text) only with SELDON_LOCAL_HF_CONFORMANCE=1, as its environment is
# several GB (PyTorch with its CUDA libraries, and TensorFlow). The frameworks used for the
# expected answers are installed in a virtualenv; seldon-local builds the units' environments
# itself (in SELDON_LOCAL_CACHE_DIR, default .venv-cache here, reused across runs).
# Ends with `N passed, M failed`; exits non-zero on any failure.
#
# Env: SELDON_LOCAL_PREPACKS_EXTRA_VENV (default .venv-examples-extra),
#      SELDON_LOCAL_HF_CONFORMANCE=1 to run the Hugging Face check.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${SELDON_LOCAL_PREPACKS_EXTRA_VENV:-$root/.venv-examples-extra}"
started=$(date +%s)

if ! "$venv/bin/python" -c "import lightgbm, transformers, safetensors, yaml" 2>/dev/null; then
    echo "creating virtualenv $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet -r "$root/scripts/python-examples-extra-requirements.txt"
fi

cargo build --quiet --manifest-path "$root/Cargo.toml" --bin seldon-local
binary="${CARGO_TARGET_DIR:-$root/target}/debug/seldon-local"

state="$(mktemp -d)"
trap 'rm -rf "$state"' EXIT
export SELDON_LOCAL_STATE_DIR="$state"
export SELDON_LOCAL_CACHE_DIR="${SELDON_LOCAL_CACHE_DIR:-$root/.venv-cache}"

status=0
"$venv/bin/python" "$root/scripts/conformance/prepacks_extra.py" "$binary" "$root" || status=$?
echo "conformance-prepacks-extra took $(( $(date +%s) - started ))s" >&2
exit "$status"
