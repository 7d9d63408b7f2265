#!/usr/bin/env bash
# V2 (Open Inference Protocol) gRPC conformance against real peers from PyPI: Triton's own client
# (tritonclient[grpc]) calls the builtin executor of an sdep with `protocol: v2`,
# `transport: grpc`, whose unit is a real MLServer (mlserver + mlserver-sklearn) serving a small
# sklearn classifier trained here, played by `up --exec` on the embedded runtime. Checks
# readiness, metadata and inference through the engine against sklearn's own numbers
# (scripts/conformance/v2_grpc_triton.py). Ends with `N passed, M failed`; exits non-zero on any
# failure. The virtualenv (about 1 min to create) is kept.
#
# Env: SELDON_LOCAL_V2_VENV (default .venv-v2).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv="${SELDON_LOCAL_V2_VENV:-$root/.venv-v2}"
started=$(date +%s)

# Two imports: both packages register the `inference` protos, so one process cannot load both.
if [[ ! -x "$venv/bin/mlserver" ]] || ! "$venv/bin/python" -c 'import tritonclient.grpc' 2>/dev/null \
    || ! "$venv/bin/python" -c 'import mlserver_sklearn' 2>/dev/null; then
    echo "creating virtualenv $venv with mlserver, mlserver-sklearn and tritonclient[grpc]" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "mlserver==1.7.1" "mlserver-sklearn==1.7.1" "tritonclient[grpc]==2.73.0"
fi

cargo build --quiet --bin seldon-local
bin="$(cd "${CARGO_TARGET_DIR:-target}/debug" && pwd)/seldon-local"

work=$(mktemp -d)
export SELDON_LOCAL_STATE_DIR="$work/state"
name=v2-grpc-conformance
cleanup() {
    "$bin" -q down "$name" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

"$venv/bin/python" scripts/conformance/v2_train_iris.py "$work/model" "$work/expected.json"

# The unit is a custom container (MLServer's image in a cluster); its ports come from the env
# MLServer reads, which the embedded runtime maps to free host ports for `--exec`.
cat > "$work/sdep.yaml" <<YAML
apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata:
  name: $name
spec:
  protocol: v2
  transport: grpc
  predictors:
  - name: default
    graph:
      name: iris
      type: MODEL
    componentSpecs:
    - spec:
        containers:
        - name: iris
          image: seldonio/mlserver:1.7.1
          env:
          - name: MLSERVER_HTTP_PORT
            value: "9000"
          - name: MLSERVER_GRPC_PORT
            value: "9500"
          - name: MLSERVER_METRICS_PORT
            value: "6000"
YAML

"$bin" -q up -d -o json "$work/sdep.yaml" \
    --exec iris="MLSERVER_PARALLEL_WORKERS=0 MLSERVER_HOST=127.0.0.1 '$venv/bin/mlserver' start '$work/model'" \
    > "$work/up.json"
address=$("$venv/bin/python" - "$work/up.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for item in doc if isinstance(doc, list) else [doc]:
    for endpoint in item.get("endpoints", []):
        if endpoint.get("name") == "engine" and endpoint.get("protocol") == "grpc":
            print(endpoint["address"].replace("http://", ""))
            sys.exit(0)
sys.exit("no gRPC endpoint of the engine in `up -o json`: " + json.dumps(doc)[:500])
PY
)
echo "engine gRPC at $address" >&2

status=0
"$venv/bin/python" scripts/conformance/v2_grpc_triton.py "$address" "$work/expected.json" "$name" || status=$?
if [[ $status -ne 0 ]]; then
    echo "--- the unit's log" >&2
    "$bin" -q logs "$name" 2>&1 | tail -30 >&2 || true
fi
echo "V2 gRPC conformance took $(( $(date +%s) - started ))s" >&2
exit "$status"
