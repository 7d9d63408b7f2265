#!/usr/bin/env bash
# The main job, on a fresh machine, offline: build seldon-local, run the shipped MNIST example
# (Docker when a daemon answers, else in-process; pass `embedded` or `docker` to choose), send
# one held-out digit (a 7) through the executor, print the ten class scores, and stop it.
set -euo pipefail
cd "$(dirname "$0")/.."
runtime=${1:-auto}
cargo build --quiet --bin seldon-local
bin=${CARGO_TARGET_DIR:-target}/debug/seldon-local
"$bin" up --runtime "$runtime" --detach --images builtin examples/tfserving-mnist/sdep.yaml
trap '"$bin" down tfserving' EXIT
"$bin" predict tfserving --file examples/tfserving-mnist/request.json
