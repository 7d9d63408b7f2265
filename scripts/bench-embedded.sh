#!/usr/bin/env bash
# Embedded-runtime figures for the MNIST example, each next to a baseline measured in the same
# run:
#   1. `up -d` to ready, against `render` of the same file (process start, load, plan);
#   2. 10,000 predictions at concurrency 32 through the executor, against the same load sent
#      straight to the model server's REST endpoint (`--unit`-less direct call).
# Usage: scripts/bench-embedded.sh [RUNS]   (release build; set PROFILE=dev for a debug one)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
profile=${PROFILE:-release}
cargo build --quiet --profile "$profile" --bin seldon-local
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
bin=${CARGO_TARGET_DIR:-target}/$dir/seldon-local
export SELDON_LOCAL_STATE_DIR
SELDON_LOCAL_STATE_DIR=$(mktemp -d)
trap '"$bin" down tfserving >/dev/null 2>&1 || true; rm -rf "$SELDON_LOCAL_STATE_DIR"' EXIT
sdep=examples/tfserving-mnist/sdep.yaml

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

up_times=() render_times=()
for _ in $(seq "$runs"); do
  t0=$(now); "$bin" -q render "$sdep" >/dev/null; t1=$(now)
  render_times+=("$(echo "$t1 - $t0" | bc -l)")
  t0=$(now); "$bin" -q up --runtime embedded -d "$sdep" >/dev/null; t1=$(now)
  up_times+=("$(echo "$t1 - $t0" | bc -l)")
  "$bin" -q down tfserving >/dev/null
done
up=$(printf '%s\n' "${up_times[@]}" | median)
render=$(printf '%s\n' "${render_times[@]}" | median)
printf 'up to ready (embedded, median of %s): %.3f s; render baseline %.3f s; ratio %.1fx (goal: <= 0.3 s)\n' \
  "$runs" "$up" "$render" "$(echo "$up / $render" | bc -l)"

"$bin" -q up --runtime embedded -d -o json "$sdep" > "$SELDON_LOCAL_STATE_DIR/up.json"
tf=$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))[0]["endpoints"]; print(next(x["address"] for x in e if x["name"]=="tensorflow-server" and x["protocol"]=="rest"))' "$SELDON_LOCAL_STATE_DIR/up.json")
python3 -c 'import json; d=json.load(open("examples/tfserving-mnist/request.json")); print(json.dumps({"signature_name":"predict_images","instances":d["data"]["ndarray"]}))' > "$SELDON_LOCAL_STATE_DIR/tf.json"
echo "through the executor and proxy:"
"$bin" --no-progress predict tfserving --file examples/tfserving-mnist/request.json --repeat 10000 --concurrency 32
echo "baseline, straight to the model server:"
"$bin" --no-progress predict --endpoint "$tf" --protocol tensorflow --model mnist-model \
  --file "$SELDON_LOCAL_STATE_DIR/tf.json" --repeat 10000 --concurrency 32
