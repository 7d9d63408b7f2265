#!/usr/bin/env bash
# Conformance of the ingress against Seldon's Python clients (seldon-core from PyPI): SeldonClient
# with gateway="ambassador" and gateway="istio", and `seldon-core-api-tester`, against `up` of the
# shipped MNIST example. Ends with `N passed, M failed`; exits non-zero on any failure.
#
# Usage: scripts/conformance-ingress.sh [embedded|docker]
# Env: SELDON_LOCAL_CONFORMANCE_VENV (default .venv-conformance), SELDON_CORE_VERSION (1.18.2).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${SELDON_LOCAL_CONFORMANCE_VENV:-$root/.venv-conformance}"
version="${SELDON_CORE_VERSION:-1.18.2}"

if [[ ! -x "$venv/bin/seldon-core-api-tester" ]]; then
    echo "creating virtualenv $venv with seldon-core==$version" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "seldon-core==$version" "setuptools<70" "protobuf==3.20.3"
fi

cargo build --quiet --manifest-path "$root/Cargo.toml" --bin seldon-local
binary="${CARGO_TARGET_DIR:-$root/target}/debug/seldon-local"
exec "$venv/bin/python" "$root/scripts/conformance/ingress.py" "$binary" "$root" "${1:-embedded}"
