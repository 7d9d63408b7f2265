#!/usr/bin/env bash
# Benchmark the builtin model server against TensorFlow's own Python runtime on the same
# SavedModel, batch 1 and 32, in one run, and print throughput ratios (ours / TensorFlow).
#   scripts/bench-model-server.sh [tf1|keras] [SECONDS_PER_CASE]
# Needs the virtualenv of scripts/make-mnist-models.sh (created here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-keras}
seconds=${2:-3}
base="examples/tfserving-mnist/models/$model"
venv=${VENV:-.venv-mnist}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet tensorflow-cpu scikit-learn
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# `--profile dev` reuses the test build: dependencies (tract, hyper, serde_json) are built at
# opt-level 2 there (see Cargo.toml). Set PROFILE=bench for a full release build.
cargo bench --quiet --profile "${PROFILE:-dev}" --bench model_server -- "$base" "$seconds" >"$out/ours.jsonl"
"$venv/bin/python" scripts/bench_tf.py "$base/1" "$seconds" >"$out/tf.jsonl"
"$venv/bin/python" - "$out/ours.jsonl" "$out/tf.jsonl" "$model" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
for a in (r for r in rows if r["mode"] == "accuracy"):
    print(f"accuracy on {a['heldout']} held-out digits: seldon-local {a['accuracy']:.4f}, "
          f"TensorFlow {a['tensorflow_accuracy']:.4f}; max |ours - TF| = {a['max_abs_diff']:.2e}")
ours = [r for r in rows if r["mode"] != "accuracy"]
tf = {r["batch"]: r for r in (json.loads(l) for l in open(sys.argv[2]) if l.startswith("{"))}
print(f"model: {sys.argv[3]}   baseline: {next(iter(tf.values()))['runtime']} (Python, in-process signature call)")
print(f"{'runtime':<28}{'batch':>6}{'req/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'x TF req/s':>12}")
for b in sorted(tf):
    t = tf[b]
    print(f"{'tensorflow python':<28}{b:>6}{t['requests_per_s']:>12.1f}{t['p50_ms']:>10.3f}{t['p99_ms']:>10.3f}{1.0:>12.2f}")
    for r in (r for r in ours if r["batch"] == b):
        name = "seldon-local " + ("engine" if r["mode"] == "engine" else "REST/HTTP")
        ratio = r["requests_per_s"] / t["requests_per_s"]
        print(f"{name:<28}{b:>6}{r['requests_per_s']:>12.1f}{r['p50_ms']:>10.3f}{r['p99_ms']:>10.3f}{ratio:>12.2f}")
PY
