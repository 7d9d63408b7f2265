#!/usr/bin/env bash
# Soak benchmark (not a test; ~5-15 min per runtime): issue 16's "1,000,000 requests at c=64,
# errors and RSS over time". Release build; starts the shipped example (examples/tfserving-mnist)
# with `up -d` on the runtime(s) given (`embedded`, the default, `docker` or `both`), warms it up,
# then sends SOAK_REQUESTS (1,000,000) predictions through the engine (engine -> proxy -> model
# server) with wrk at SOAK_CONNECTIONS (64) connections, printing every SOAK_INTERVAL (10) seconds
# the responses so far, the non-2xx so far and the VmRSS of the serving process(es); then the
# RSS after warm-up against the RSS at the end (goal <= 1.5x) and the errors (goal 0).
# On Docker the RSS is the sum over the deployment's containers' processes (`docker inspect`).
#   scripts/bench-soak.sh [embedded|docker|both]
#   SOAK_BINARY=PATH ...            an existing binary instead of the release build
#   SOAK_REQUESTS, SOAK_CONNECTIONS, SOAK_INTERVAL, SOAK_WARMUP: see scripts/bench_soak.py
# Installs wrk (Debian) when missing. The method: scripts/bench/README.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
runtimes=${1:-embedded}
[ "$runtimes" = both ] && runtimes="embedded docker"

if ! command -v wrk >/dev/null; then
    echo "installing wrk (apt-get)" >&2
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
if [ -n "${SOAK_BINARY:-}" ]; then
    binary=$(realpath "$SOAK_BINARY")
else
    cargo build --quiet --release --locked --bin seldon-local
    binary=$(realpath "${CARGO_TARGET_DIR:-$root/target}/release/seldon-local")
fi

state=$(mktemp -d)
export SELDON_LOCAL_STATE_DIR=$state SELDON_LOCAL_INGRESS_PORT=0 NO_COLOR=1
name=soak-$$
sdep=$state/sdep.yaml
model=$(realpath examples/tfserving-mnist/models/tf1)
sed -e "s/name: tfserving/name: $name/" -e "s|modelUri: models/tf1|modelUri: file://$model|" \
    examples/tfserving-mnist/sdep.yaml >"$sdep"
trap '"$binary" -q down "$name" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT

status=0
for runtime in $runtimes; do
    echo "== $runtime"
    python3 "$root/scripts/bench_soak.py" "$binary" "$runtime" "$sdep" "$name" || status=1
    "$binary" -q down "$name" >/dev/null
done
exit "$status"
