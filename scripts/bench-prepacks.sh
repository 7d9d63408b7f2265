#!/usr/bin/env bash
# Benchmark (not a test; a few minutes once the environments are cached): the iris classifier
# (examples/sklearn-iris) through our engine in front of its Python unit, next to the same unit
# called directly, for both stacks: the real seldon-core-microservice (sdep.yaml) and MLServer
# 1.7.1 (sdep-v2.yaml), on the embedded runtime. wrk at c=1 and c=32 in alternating rounds,
# medians, ratios; fails on any non-2xx answer. The method: scripts/bench/README.md.
#   scripts/bench-prepacks.sh                ROUNDS=3 SECONDS_PER_CELL=3, release build
#   PROFILE=debug scripts/bench-prepacks.sh  a debug build (said in the output)
# Installs wrk (Debian) when missing. The units' environments are seldon-local's own (built by
# `prepare` into SELDON_LOCAL_CACHE_DIR, default .venv-cache here, as the conformance script does).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
profile="${PROFILE:-release}"

if ! command -v wrk >/dev/null; then
    echo "installing wrk (apt-get)" >&2
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
case "$profile" in
    release) cargo build --quiet --release --locked --bin seldon-local ;;
    debug) cargo build --quiet --locked --bin seldon-local ;;
    *) echo "PROFILE is release or debug, not $profile" >&2; exit 2 ;;
esac
binary="${CARGO_TARGET_DIR:-$root/target}/$profile/seldon-local"

export SELDON_LOCAL_CACHE_DIR="${SELDON_LOCAL_CACHE_DIR:-$root/.venv-cache}"
export SELDON_LOCAL_STATE_DIR
SELDON_LOCAL_STATE_DIR=$(mktemp -d)
trap '"$binary" -q down sklearn >/dev/null 2>&1 || true; "$binary" -q down sklearn-v2 >/dev/null 2>&1 || true; rm -rf "$SELDON_LOCAL_STATE_DIR"' EXIT
for sdep in sdep.yaml sdep-v2.yaml; do
    "$binary" -q prepare "examples/sklearn-iris/$sdep" >&2
done
python3 "$root/scripts/bench_prepacks.py" "$binary" "$profile"
