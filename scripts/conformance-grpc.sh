#!/usr/bin/env bash
# gRPC conformance against real clients from PyPI: `up` of the shipped MNIST example on the
# embedded runtime, then TF Serving's own Python client (tensorflow-serving-api, with TensorFlow
# to compute the expected scores) against the model server's gRPC port
# (scripts/conformance/grpc_tfserving.py). Ends with `N passed, M failed`; exits non-zero on any
# failure. The virtualenv (~3 min to create the first time: TensorFlow is large) is kept.
#
# Env: SELDON_LOCAL_GRPC_VENV (default .venv-grpc).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv="${SELDON_LOCAL_GRPC_VENV:-$root/.venv-grpc}"
started=$(date +%s)

if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import tensorflow_serving.apis' 2>/dev/null; then
    echo "creating virtualenv $venv with tensorflow-serving-api and tensorflow-cpu" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "tensorflow-cpu==2.19.1" "tensorflow-serving-api==2.19.1"
fi

cargo build --quiet --bin seldon-local
bin="$(cd "${CARGO_TARGET_DIR:-target}/debug" && pwd)/seldon-local"

work=$(mktemp -d)
export SELDON_LOCAL_STATE_DIR="$work/state"
name=grpc-conformance
cleanup() {
    "$bin" -q down "$name" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

sed "s/name: tfserving/name: $name/" examples/tfserving-mnist/sdep.yaml > "$work/sdep.yaml"
cp -r examples/tfserving-mnist/models "$work/models"
"$bin" -q up --runtime embedded -d -o json "$work/sdep.yaml" > "$work/up.json"
address=$("$venv/bin/python" - "$work/up.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
items = doc if isinstance(doc, list) else [doc]
for item in items:
    for endpoint in item.get("endpoints", []):
        if endpoint.get("container") == "tfserving" and endpoint.get("protocol") == "grpc":
            print(endpoint["address"].replace("http://", ""))
            sys.exit(0)
sys.exit("no gRPC endpoint of the model server in `up -o json`: " + json.dumps(doc)[:500])
PY
)
echo "model server gRPC at $address" >&2

status=0
"$venv/bin/python" scripts/conformance/grpc_tfserving.py "$address" mnist-model \
    examples/tfserving-mnist/models/tf1/1 examples/tfserving-mnist/heldout.json 2> "$work/stderr" || status=$?
if [[ $status -ne 0 ]]; then
    grep -v -E "^W0000|cpu_feature_guard|AVX2|oneDNN|^WARNING:tensorflow" "$work/stderr" | tail -20 >&2 || true
fi
echo "gRPC conformance took $(( $(date +%s) - started ))s" >&2
exit "$status"
