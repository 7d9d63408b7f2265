#!/usr/bin/env bash
# Conformance of seldon-local's executor against the real Seldon Python wrapper (seldon-core from
# PyPI): starts Python units with `seldon-core-microservice` on free loopback ports, runs
# `seldon-local component executor` over graphs of them and checks the answers.
# Ends with `N passed, M failed`; exits non-zero on any failure.
#
# Env: SELDON_LOCAL_CONFORMANCE_VENV (default .venv-conformance), SELDON_CORE_VERSION (1.18.2).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${SELDON_LOCAL_CONFORMANCE_VENV:-$root/.venv-conformance}"
version="${SELDON_CORE_VERSION:-1.18.2}"
started=$(date +%s)

if [[ ! -x "$venv/bin/seldon-core-microservice" ]]; then
    echo "creating virtualenv $venv with seldon-core==$version" >&2
    python3 -m venv "$venv"
    # gunicorn 20 imports pkg_resources, which recent setuptools no longer ship.
    "$venv/bin/pip" install --quiet "seldon-core==$version" "setuptools<70"
fi
# The request-logger checks parse events with the CloudEvents SDK.
if ! "$venv/bin/python" -c "import cloudevents" 2>/dev/null; then
    "$venv/bin/pip" install --quiet "cloudevents==2.2.0"
fi

cargo build --quiet --manifest-path "$root/Cargo.toml" --bin seldon-local
binary="${CARGO_TARGET_DIR:-$root/target}/debug/seldon-local"

status=0
"$venv/bin/python" "$root/scripts/conformance/driver.py" "$binary" "$root/scripts/conformance" || status=$?
echo "conformance took $(( $(date +%s) - started ))s" >&2
exit "$status"
