#!/usr/bin/env bash
# Conformance of the Python-backed prepackaged servers on the embedded runtime: SKLEARN_SERVER,
# XGBOOST_SERVER, MLFLOW_SERVER on the seldon protocol (scripts/conformance/prepacks.py), and the
# same examples' sdep-v2.yaml, played by MLServer (scripts/conformance/prepacks_v2.py, V2 REST and
# gRPC through the engine). Each example's held-out rows through the engine equal the framework's
# own prediction; `up` works offline after `prepare` and fails fast without it. The frameworks used
# for the expected answers are installed in a virtualenv, Triton's gRPC client in the V2 one of
# scripts/conformance-v2-grpc.sh; seldon-local builds the units' environments itself (in
# SELDON_LOCAL_CACHE_DIR, default .venv-cache here, reused across runs).
# Ends with `N passed, M failed` (both parts); exits non-zero on any failure.
#
# Usage: scripts/conformance-prepacks.sh [EXAMPLE...]   (sklearn-iris xgboost-iris mlflow-wine)
# Env: SELDON_LOCAL_PREPACKS_VENV (default .venv-prepacks), SELDON_LOCAL_V2_VENV (default .venv-v2),
#      PREPACKS_PROTOCOLS (default "seldon v2").
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${SELDON_LOCAL_PREPACKS_VENV:-$root/.venv-prepacks}"
started=$(date +%s)

# The venv is (re)made when a pinned version in the requirements is not the one installed.
pins_installed() {
    "$1/bin/python" - "$root/scripts/python-examples-requirements.txt" <<'PY' 2>/dev/null
import importlib.metadata, sys
import sklearn, xgboost, mlflow, yaml  # noqa: F401
for line in open(sys.argv[1]):
    name, _, version = line.split("#")[0].strip().partition("==")
    if version and importlib.metadata.version(name) != version:
        sys.exit(1)
PY
}
if ! pins_installed "$venv"; then
    echo "creating virtualenv $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet -r "$root/scripts/python-examples-requirements.txt" pyyaml
fi
protocols="${PREPACKS_PROTOCOLS:-seldon v2}"
v2_venv="${SELDON_LOCAL_V2_VENV:-$root/.venv-v2}"
if [[ " $protocols " == *" v2 "* ]] && ! "$v2_venv/bin/python" -c 'import tritonclient.grpc' 2>/dev/null; then
    # The same packages as scripts/conformance-v2-grpc.sh, so that the two share it.
    echo "creating virtualenv $v2_venv" >&2
    python3 -m venv "$v2_venv"
    "$v2_venv/bin/pip" install --quiet "mlserver==1.7.1" "mlserver-sklearn==1.7.1" "uvloop<0.22" "tritonclient[grpc]==2.73.0"
fi

cargo build --quiet --manifest-path "$root/Cargo.toml" --bin seldon-local
binary="${CARGO_TARGET_DIR:-$root/target}/debug/seldon-local"

state="$(mktemp -d)"
part="$(mktemp)"
trap 'rm -rf "$state" "$part"' EXIT
export SELDON_LOCAL_STATE_DIR="$state"
export SELDON_LOCAL_CACHE_DIR="${SELDON_LOCAL_CACHE_DIR:-$root/.venv-cache}"

status=0
passed=0
failed=0
tally() { # the `N passed, M failed` line of the part just run, added to the totals
    local line
    line=$(tail -n 1 "$part")
    if [[ "$line" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        passed=$((passed + BASH_REMATCH[1])); failed=$((failed + BASH_REMATCH[2]))
    else
        failed=$((failed + 1)); echo "FAIL $1 ended without a tally" >&2
    fi
}
if [[ " $protocols " == *" seldon "* ]]; then
    "$venv/bin/python" "$root/scripts/conformance/prepacks.py" "$binary" "$root" "$@" | tee "$part" || status=1
    tally "the seldon-protocol part"
fi
if [[ " $protocols " == *" v2 "* ]]; then
    "$venv/bin/python" "$root/scripts/conformance/prepacks_v2.py" "$binary" "$root" "$v2_venv/bin/python" "$@" \
        | tee "$part" || status=1
    tally "the v2 part"
fi
echo "conformance-prepacks took $(( $(date +%s) - started ))s" >&2
echo "$passed passed, $failed failed"
[[ "$failed" == 0 ]] || status=1
exit "$status"
