#!/usr/bin/env bash
# Benchmark the builtin Triton-compatible server against onnxruntime's Python session on the
# same ONNX model (the shipped MNIST classifier), batch 1 and 32, in one run, and its load time
# to first ready; prints ratios (ours / onnxruntime).
#   scripts/bench-triton.sh [SECONDS_PER_CASE]
# PROFILE=dev measures the test build (tract optimised, seldon-local's own code not); the default
# is a release build (the first one takes a while: tract is large).
# Uses the virtualenv of scripts/conformance-triton.sh (created there).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-3}
venv="${SELDON_LOCAL_TRITON_VENV:-$(pwd)/.venv-triton-client}"
if ! "$venv/bin/python" -c 'import onnxruntime, numpy' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "tritonclient[http,grpc]==2.73.0" "onnxruntime>=1.17,<2" numpy
fi
profile=${PROFILE:-release}
if [[ $profile == dev ]]; then
    cargo build --quiet --bin seldon-local
    dir=debug
else
    cargo build --quiet --profile "$profile" --bin seldon-local
    dir=$profile
fi
bin="$(cd "${CARGO_TARGET_DIR:-target}/$dir" && pwd)/seldon-local"
echo "build: $profile"
"$venv/bin/python" scripts/bench_triton.py "$bin" "$(pwd)/examples/triton-onnx-mnist/models" mnist "$seconds"
