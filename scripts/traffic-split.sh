#!/usr/bin/env bash
# The traffic-split example through the ingress: 10,000 calls split 75/25 within 2 points, the
# shadow copied every call and never answered; on Docker, killing the shadow changes nothing for
# the caller. Ends with `N passed, M failed`.
#
# Usage: scripts/traffic-split.sh [embedded|docker] [N]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cargo build --quiet --manifest-path "$root/Cargo.toml" --bin seldon-local
binary="${CARGO_TARGET_DIR:-$root/target}/debug/seldon-local"
exec python3 "$root/scripts/conformance/traffic_split.py" "$binary" "$root" "${1:-embedded}" "${2:-10000}"
