#!/usr/bin/env bash
# Counts how many of the corpus's TRITON_SERVER deployments (Seldon Core 1.18.2) `up --runtime
# embedded` runs and answers, each modelUri pointed at a local Triton repository (the shipped
# examples, or tiny ONNX models built here with GPT-2's and cifar10's input and output names);
# the GPT-2 graph's tokeniser units are played by the real MLServer through `up --exec`. Prints
# a table and `N passed, M failed` (scripts/conformance/corpus_triton.py says what is
# substituted and why). The virtualenv (onnx, numpy, pyyaml, mlserver; ~1 min) is kept.
#
# Env: CORPUS (default ../shared/corpus/sdeps/v1.18.2), SELDON_LOCAL_CORPUS_TRITON_VENV.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${SELDON_LOCAL_CORPUS_TRITON_VENV:-$root/.venv-corpus-triton}"
corpus="${CORPUS:-$root/../shared/corpus/sdeps/v1.18.2}"
started=$(date +%s)
if [[ ! -x "$venv/bin/mlserver" ]] || ! "$venv/bin/python" -c "import onnx, yaml, numpy" 2>/dev/null; then
    echo "creating virtualenv $venv with onnx, numpy, pyyaml and mlserver" >&2
    python3 -m venv "$venv"
    # uvloop 0.22+ breaks MLServer 1.7.1's inference worker at start (as in conformance-v2-grpc.sh).
    "$venv/bin/pip" install --quiet "mlserver==1.7.1" "uvloop<0.22" "onnx>=1.14,<2" numpy pyyaml
fi
cargo build --quiet --manifest-path "$root/Cargo.toml" --bin seldon-local
binary="${CARGO_TARGET_DIR:-$root/target}/debug/seldon-local"
work="$(mktemp -d)"
export SELDON_LOCAL_STATE_DIR="$work/state"
trap 'rm -rf "$work"' EXIT
status=0
"$venv/bin/python" "$root/scripts/conformance/corpus_triton.py" "$binary" "$root" "$corpus" \
    "$work" "$venv/bin/mlserver" || status=$?
echo "corpus-triton took $(( $(date +%s) - started ))s" >&2
exit "$status"
