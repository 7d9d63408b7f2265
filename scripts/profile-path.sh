#!/usr/bin/env bash
# Profile (not a test; ~5-10 min under valgrind): instructions per request on each path of the
# shipped example (the model server directly, the proxy, the engine) and the top functions, with
# callgrind on a fixed number of sequential requests, so two builds compare exactly even on a
# busy machine. The method and the last figures: scripts/bench/README.md.
#   scripts/profile-path.sh [OUT]        N=200 WARMUP=20 BODY=seldon1|seldon32 TOP=25
# Uses the release binary with symbols (a stripped one profiles as addresses): it builds with
# CARGO_PROFILE_RELEASE_STRIP=false unless BINARY is given. Installs valgrind (Debian) if missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="${1:-$(mktemp -d)}"
if ! command -v valgrind >/dev/null; then
    echo "installing valgrind (apt-get)" >&2
    apt-get install -y valgrind >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y valgrind >/dev/null; }
fi
if [[ -z "${BINARY:-}" ]]; then
    CARGO_PROFILE_RELEASE_STRIP=false cargo build --quiet --release --locked --bin seldon-local
    BINARY="${CARGO_TARGET_DIR:-$root/target}/release/seldon-local"
fi
export SELDON_LOCAL_STATE_DIR
SELDON_LOCAL_STATE_DIR=$(mktemp -d)
trap 'rm -rf "$SELDON_LOCAL_STATE_DIR"' EXIT
python3 "$root/scripts/profile_path.py" "$BINARY" "$out"
echo "callgrind dumps in $out (callgrind_annotate $out/engine.callgrind)" >&2
