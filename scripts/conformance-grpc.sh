#!/usr/bin/env bash
# gRPC conformance against real clients from PyPI, on `up` of the shipped MNIST examples on the
# embedded runtime and on Docker (our image, built from this binary; nothing is pulled):
#   - TF Serving's own Python client (tensorflow-serving-api, with TensorFlow to compute the
#     expected scores) against the model server's gRPC port (scripts/conformance/grpc_tfserving.py);
#   - Seldon's own client (SeldonClient from seldon-core, transport="grpc") against the engine's
#     gRPC port, for examples/tfserving-mnist (engine -> proxy -> model server, the proxy
#     calling TF Serving over gRPC) and examples/mnist-grpc (`transport: grpc`)
#     (scripts/conformance/grpc_seldon.py);
#   - TensorFlow against the Triton-compatible server on examples/triton-simple's SavedModel
#     repository, directly and through the engine (scripts/conformance/triton_savedmodel_tf.py).
# Ends with `N passed, M failed`; exits non-zero on any failure. The virtualenv (~3 min to
# create the first time: TensorFlow is large) is kept.
#
# Env: SELDON_LOCAL_GRPC_VENV (default .venv-grpc); SELDON_LOCAL_GRPC_RUNTIMES (default
# "embedded docker").
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv="${SELDON_LOCAL_GRPC_VENV:-$root/.venv-grpc}"
runtimes="${SELDON_LOCAL_GRPC_RUNTIMES:-embedded docker}"
started=$(date +%s)

if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import tensorflow_serving.apis, seldon_core.seldon_client' 2>/dev/null; then
    echo "creating virtualenv $venv with tensorflow-serving-api, tensorflow-cpu and seldon-core" >&2
    python3 -m venv "$venv"
    # seldon-core 1.18.2 needs protobuf 3 (TensorFlow 2.19 accepts 3.20.3); gunicorn 20 imports
    # pkg_resources, which recent setuptools no longer ship.
    "$venv/bin/pip" install --quiet "tensorflow-cpu==2.19.1" "tensorflow-serving-api==2.19.1" \
        "seldon-core==1.18.2" "protobuf==3.20.3" "setuptools<70"
fi

cargo build --quiet --bin seldon-local
bin="$(cd "${CARGO_TARGET_DIR:-target}/debug" && pwd)/seldon-local"

work=$(mktemp -d)
export SELDON_LOCAL_STATE_DIR="$work/state"
deployments=()
cleanup() {
    for name in "${deployments[@]}"; do
        "$bin" -q down "$name" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
# Runs a checker, echoing its lines and adding its tally to the totals.
tally() {
    local out status=0
    out=$("$@" 2> "$work/stderr") || status=$?
    printf '%s\n' "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$' || true
    local line
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
    if [[ -z "$line" ]]; then
        echo "FAIL $*: no tally (exit $status)"
        grep -v -E "^W0000|cpu_feature_guard|AVX2|oneDNN|^WARNING:tensorflow" "$work/stderr" | tail -20 >&2 || true
        failed=$((failed + 1))
        return
    fi
    passed=$((passed + ${line%% passed*}))
    local f=${line#*passed, }
    failed=$((failed + ${f%% failed*}))
    if [[ $status -ne 0 ]]; then
        grep -v -E "^W0000|cpu_feature_guard|AVX2|oneDNN|^WARNING:tensorflow" "$work/stderr" | tail -20 >&2 || true
    fi
}

# The address of CONTAINER's PROTOCOL endpoint in `up -o json` output FILE.
address_of() {
    "$venv/bin/python" - "$1" "$2" "$3" <<'PY'
import json, sys
path, container, protocol = sys.argv[1:4]
doc = json.load(open(path))
for item in doc if isinstance(doc, list) else [doc]:
    for endpoint in item.get("endpoints", []):
        if endpoint.get("container") == container and endpoint.get("protocol") == protocol:
            print(endpoint["address"].replace("http://", ""))
            sys.exit(0)
sys.exit(f"no {protocol} endpoint of {container} in `up -o json`: " + json.dumps(doc)[:500])
PY
}

for runtime in $runtimes; do
    images=()
    [[ $runtime == docker ]] && images=(--images builtin)
    # examples/tfserving-mnist: the seed, REST inside the pod; gRPC on every port we print.
    name="grpc-$runtime"
    mkdir -p "$work/$runtime"
    sed "s/name: tfserving/name: $name/" examples/tfserving-mnist/sdep.yaml > "$work/$runtime/sdep.yaml"
    cp -r examples/tfserving-mnist/models "$work/$runtime/models"
    deployments+=("$name")
    echo "== $runtime: up of examples/tfserving-mnist as $name" >&2
    "$bin" -q up --runtime "$runtime" "${images[@]}" -d -o json "$work/$runtime/sdep.yaml" > "$work/up.json"
    model=$(address_of "$work/up.json" tfserving grpc)
    engine=$(address_of "$work/up.json" seldon-container-engine grpc)
    echo "model server gRPC at $model, engine gRPC at $engine" >&2
    echo "# $runtime: tensorflow-serving-api on the model server"
    tally "$venv/bin/python" scripts/conformance/grpc_tfserving.py "$model" mnist-model \
        examples/tfserving-mnist/models/tf1/1 examples/tfserving-mnist/heldout.json
    echo "# $runtime: SeldonClient on the engine (engine -> proxy -> model server)"
    tally "$venv/bin/python" scripts/conformance/grpc_seldon.py "$engine" "$name" \
        examples/tfserving-mnist/heldout.json tf1
    "$bin" -q down "$name" >/dev/null

    # examples/mnist-grpc: `transport: grpc`, every hop in the pod over gRPC.
    name="grpc-transport-$runtime"
    mkdir -p "$work/$runtime-transport"
    sed -e "s/name: mnist-grpc/name: $name/" -e "s|modelUri: ../tfserving-mnist/models/tf1|modelUri: $root/examples/tfserving-mnist/models/tf1|" \
        examples/mnist-grpc/sdep.yaml > "$work/$runtime-transport/sdep.yaml"
    deployments+=("$name")
    echo "== $runtime: up of examples/mnist-grpc as $name" >&2
    "$bin" -q up --runtime "$runtime" "${images[@]}" -d -o json "$work/$runtime-transport/sdep.yaml" > "$work/up.json"
    engine=$(address_of "$work/up.json" seldon-container-engine grpc)
    echo "# $runtime: SeldonClient on a transport: grpc engine"
    tally "$venv/bin/python" scripts/conformance/grpc_seldon.py "$engine" "$name" \
        examples/tfserving-mnist/heldout.json tf1 --tftensor
    "$bin" -q down "$name" >/dev/null
done

# The Triton-compatible server on a TF SavedModel repository (examples/triton-simple's
# models-tf, `simple` as a SavedModel): TensorFlow's own outputs, directly and through the
# engine. Embedded only: the model and the server are the same on Docker.
name=triton-tf
deployments+=("$name")
echo "== embedded: up of examples/triton-simple/sdep-savedmodel.yaml" >&2
"$bin" -q up --runtime embedded -d -o json examples/triton-simple/sdep-savedmodel.yaml > "$work/up.json"
server=$(address_of "$work/up.json" simple rest)
engine=$(address_of "$work/up.json" seldon-container-engine rest)
echo "# embedded: TensorFlow against the Triton-compatible server's SavedModel"
tally "$venv/bin/python" scripts/conformance/triton_savedmodel_tf.py "$server" "$engine" \
    examples/triton-simple/models-tf/simple/1/model.savedmodel simple
"$bin" -q down "$name" >/dev/null

echo "gRPC conformance took $(( $(date +%s) - started ))s" >&2
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
