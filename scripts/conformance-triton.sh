#!/usr/bin/env bash
# The builtin Triton-compatible server against real peers from PyPI: Triton's own Python client
# (tritonclient[http] and [grpc]) makes the calls its example clients make (simple_http_infer_client's
# binary and JSON tensors, health, server and model metadata, model config, async infer, errors)
# against `component tritonserver` over a repository of the shipped examples, and through the
# engine of `up --runtime embedded` on examples/triton-simple, and a second server in
# `--model-control-mode=explicit` for the model control calls (index, load, unload); onnxruntime computes the expected
# numbers of the ONNX models on every held-out input (within 1e-5), and TensorFlow's own scores
# from examples/tfserving-mnist/heldout.json are checked too. Ends with `N passed, M failed`;
# exits non-zero on any failure. The virtualenv (about 1 min to create) is kept.
#
# Env: SELDON_LOCAL_TRITON_VENV (default .venv-triton-client).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv="${SELDON_LOCAL_TRITON_VENV:-$root/.venv-triton-client}"
started=$(date +%s)

if ! "$venv/bin/python" -c 'import tritonclient.http, tritonclient.grpc, onnxruntime, numpy' 2>/dev/null; then
    echo "creating virtualenv $venv with tritonclient[http,grpc], onnxruntime and numpy" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "tritonclient[http,grpc]==2.73.0" "onnxruntime>=1.17,<2" numpy
fi

cargo build --quiet --bin seldon-local
bin="$(cd "${CARGO_TARGET_DIR:-target}/debug" && pwd)/seldon-local"

work=$(mktemp -d)
export SELDON_LOCAL_STATE_DIR="$work/state"
server_pid=
explicit_pid=
cleanup() {
    [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    [[ -n "$explicit_pid" ]] && kill "$explicit_pid" 2>/dev/null && wait "$explicit_pid" 2>/dev/null
    "$bin" -q down triton >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# One repository holding every shipped Triton model.
mkdir -p "$work/repo"
for model in examples/triton-*/models/*/; do
    ln -s "$root/$model" "$work/repo/$(basename "$model")"
done
free_port() {
    "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=$(free_port)
grpc_port=$(free_port)
"$bin" -q component tritonserver --model-repository="$work/repo" --http-port="$port" \
    --grpc-port="$grpc_port" \
    2> "$work/server.log" &
server_pid=$!
explicit_port=$(free_port)
explicit_grpc_port=$(free_port)
"$bin" -q component tritonserver --model-repository="$work/repo" --http-port="$explicit_port" \
    --grpc-port="$explicit_grpc_port" --model-control-mode=explicit --load-model=simple \
    2> "$work/explicit.log" &
explicit_pid=$!

"$bin" -q up --runtime embedded -d -o json examples/triton-simple/sdep.yaml > "$work/up.json"
engine=$("$venv/bin/python" - "$work/up.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for item in doc if isinstance(doc, list) else [doc]:
    for endpoint in item.get("endpoints", []):
        if endpoint.get("name") == "engine" and endpoint.get("protocol") != "grpc":
            print(endpoint["address"].replace("http://", ""))
            sys.exit(0)
sys.exit("no REST endpoint of the engine in `up -o json`: " + json.dumps(doc)[:500])
PY
)

status=0
"$venv/bin/python" scripts/conformance/triton_clients.py "127.0.0.1:$port" "$engine" \
    "$work/repo" "127.0.0.1:$grpc_port" "127.0.0.1:$explicit_port" \
    "127.0.0.1:$explicit_grpc_port" || status=$?
if [[ $status -ne 0 ]]; then
    echo "--- the server's log" >&2
    tail -30 "$work/server.log" >&2 || true
    echo "--- the explicit-mode server's log" >&2
    tail -30 "$work/explicit.log" >&2 || true
fi
echo "Triton conformance took $(( $(date +%s) - started ))s" >&2
exit "$status"
