#!/usr/bin/env bash
# V2 (Open Inference Protocol) gRPC conformance against real peers from PyPI: Triton's own client
# (tritonclient[grpc]) calls the builtin executor of an sdep with `protocol: v2`,
# `transport: grpc`, whose unit is a real MLServer (mlserver + mlserver-sklearn) serving a small
# sklearn classifier trained here, played by `up --exec` on the embedded runtime. Checks
# readiness, metadata and inference through the engine against sklearn's own numbers
# (scripts/conformance/v2_grpc_triton.py). Then on Docker: tritonclient through the engine of
# examples/triton-simple, whose unit is the builtin Triton-compatible server
# (scripts/conformance/v2_grpc_simple.py). Each part ends with `N passed, M failed`; exits
# non-zero on any failure. The virtualenv (about 1 min to create) is kept.
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
    # uvloop 0.22+ breaks MLServer 1.7.1's inference worker at start ("There is no current event loop").
    "$venv/bin/pip" install --quiet "mlserver==1.7.1" "mlserver-sklearn==1.7.1" "uvloop<0.22" "tritonclient[grpc]==2.73.0"
fi

cargo build --quiet --bin seldon-local
bin="$(cd "${CARGO_TARGET_DIR:-target}/debug" && pwd)/seldon-local"

work=$(mktemp -d)
export SELDON_LOCAL_STATE_DIR="$work/state"
name=v2-grpc-conformance
cleanup() {
    "$bin" -q down "$name" >/dev/null 2>&1 || true
    "$bin" -q down triton >/dev/null 2>&1 || true
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

# seldon-local's own client over both transports: the same answer (`predict --transport grpc`
# sends ModelInfer with typed contents and prints the reply as REST's).
body='{"inputs":[{"name":"input-0","shape":[2,4],"datatype":"FP64","data":[[5.1,3.5,1.4,0.2],[6.7,3.0,5.2,2.3]]}]}'
passed=0 failed=0
for transport in rest grpc; do
    if "$bin" -q predict "$name" --transport "$transport" --json "$body" > "$work/$transport.json"; then
        echo "ok   seldon-local predict --transport $transport answers"; passed=$((passed + 1))
    else
        echo "FAIL seldon-local predict --transport $transport"; failed=$((failed + 1))
    fi
done
if "$venv/bin/python" - "$work/rest.json" "$work/grpc.json" <<'PY'
import json, sys
rest, grpc = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda doc: [(o["name"], o["shape"], o["datatype"], o["data"]) for o in doc["outputs"]]
assert key(rest) == key(grpc), (rest, grpc)
PY
then
    echo "ok   REST and gRPC print the same outputs"; passed=$((passed + 1))
else
    echo "FAIL REST and gRPC print different outputs"; failed=$((failed + 1))
fi
if "$bin" -q metadata "$name" --transport grpc | grep -q '"inputs"\|"platform"'; then
    echo "ok   seldon-local metadata --transport grpc"; passed=$((passed + 1))
else
    echo "FAIL seldon-local metadata --transport grpc"; failed=$((failed + 1))
fi
echo "$passed passed, $failed failed (seldon-local's client)"
[[ $failed -eq 0 ]] || status=1
if [[ $status -ne 0 ]]; then
    echo "--- the unit's log" >&2
    "$bin" -q logs "$name" 2>&1 | tail -30 >&2 || true
fi
"$bin" -q down "$name" >/dev/null 2>&1 || true

# On Docker no Python unit can be played (no images can be pulled here): the unit is the builtin
# Triton-compatible server in seldon-local's image, on Triton's `simple` model, and
# tritonclient[grpc] calls the engine's gRPC port in its container.
docker_status=0
"$bin" -q up --runtime docker -d -o json examples/triton-simple/sdep.yaml > "$work/up-docker.json" \
    || docker_status=$?
if [[ $docker_status -eq 0 ]]; then
    address=$("$venv/bin/python" - "$work/up-docker.json" <<'PY'
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
    echo "Docker: engine gRPC at $address" >&2
    "$venv/bin/python" scripts/conformance/v2_grpc_simple.py "$address" triton || docker_status=$?
    "$bin" -q down triton >/dev/null 2>&1 || true
else
    echo "FAIL up --runtime docker of examples/triton-simple" >&2
fi
[[ $docker_status -eq 0 ]] || status=1
echo "V2 gRPC conformance took $(( $(date +%s) - started ))s" >&2
exit "$status"
