#!/usr/bin/env bash
# Benchmark (not a test; a few minutes): issue 17's figures in one run, release build. Starts the
# shipped example (examples/tfserving-mnist) on the embedded runtime and a real Seldon Python
# wrapper, loads each path with wrk in alternating rounds (the model server directly, the proxy,
# the engine path, the Python wrapper at c=1 and c=32; batch 32 at c=1 and c=4), then measures
# embedded `down`, Docker `up` to ready with the image present, RSS idle and after the load, the
# binary and image sizes, and prints each goal met or missed. The method: scripts/bench/README.md.
#   scripts/bench-path.sh            ROUNDS=3 SECONDS_PER_CELL=3 by default
#   COLD_BUILD=1 scripts/bench-path.sh   also times a cold `cargo build --release` (~10+ min)
#   COLD_BUILD_BASE=REV ...          with COLD_BUILD=1, also times a cold build of REV (the code
#                                    issue 17 was filed against: 86ce1d7) and prints the ratio
#   DOCKER=0 ...                     skips the Docker figures
#   BINARY=path ...                  benchmarks that binary instead of building one
# Installs wrk (Debian) when missing; the Seldon wrapper's virtualenv as the conformance scripts do.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
venv="${SELDON_LOCAL_CONFORMANCE_VENV:-$root/.venv-conformance}"
version="${SELDON_CORE_VERSION:-1.18.2}"

if ! command -v wrk >/dev/null; then
    echo "installing wrk (apt-get)" >&2
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
if [[ ! -x "$venv/bin/seldon-core-microservice" ]]; then
    echo "creating virtualenv $venv with seldon-core==$version" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "seldon-core==$version" "setuptools<70"
fi

if [[ "${COLD_BUILD:-0}" == 1 ]]; then
    cold_dir=$(mktemp -d)
    echo "cold release build into $cold_dir (this takes a while)" >&2
    start=$(date +%s.%N)
    CARGO_TARGET_DIR="$cold_dir" cargo build --quiet --release --locked --bin seldon-local
    export COLD_BUILD_SECONDS
    COLD_BUILD_SECONDS=$(echo "$(date +%s.%N) - $start" | bc -l)
    rm -rf "$cold_dir"
    if [[ -n "${COLD_BUILD_BASE:-}" ]]; then
        base_dir=$(mktemp -d)
        git -C "$root" worktree add --quiet --detach "$base_dir/src" "$COLD_BUILD_BASE"
        echo "cold release build of $COLD_BUILD_BASE into $base_dir (as long again)" >&2
        start=$(date +%s.%N)
        (cd "$base_dir/src" && CARGO_TARGET_DIR="$base_dir/target" cargo build --quiet --release --locked --bin seldon-local)
        export COLD_BUILD_BASE COLD_BUILD_BASE_SECONDS
        COLD_BUILD_BASE_SECONDS=$(echo "$(date +%s.%N) - $start" | bc -l)
        git -C "$root" worktree remove --force "$base_dir/src"
        rm -rf "$base_dir"
    fi
fi
if [[ -n "${BINARY:-}" ]]; then
    binary="$BINARY"
else
    cargo build --quiet --release --locked --bin seldon-local
    binary="${CARGO_TARGET_DIR:-$root/target}/release/seldon-local"
fi

export SELDON_LOCAL_STATE_DIR
SELDON_LOCAL_STATE_DIR=$(mktemp -d)
trap '"$binary" -q down tfserving >/dev/null 2>&1 || true; "$binary" -q down tfserving-sockets >/dev/null 2>&1 || true; rm -rf "$SELDON_LOCAL_STATE_DIR"' EXIT
python3 "$root/scripts/bench_path.py" "$binary" "$venv"
