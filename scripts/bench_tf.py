"""TensorFlow's own Python runtime on a SavedModel: the baseline of scripts/bench-model-server.sh.

Calls the `predict_images` signature in-process, batch 1 and 32, for SECONDS each, with the
held-out digits as inputs. Prints one JSON object per line, like benches/model_server.rs.
Usage: bench_tf.py MODEL_VERSION_DIR SECONDS
"""
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import tensorflow as tf

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def main():
    model_dir, seconds = sys.argv[1], float(sys.argv[2])
    with open(os.path.join(ROOT, "examples", "tfserving-mnist", "heldout.json")) as f:
        rows = np.asarray(json.load(f)["inputs"], dtype=np.float32)
    fn = tf.saved_model.load(model_dir).signatures["predict_images"]
    for batch in (1, 32):
        images = tf.constant(rows[:batch])
        for _ in range(20):  # warm-up: tracing and first-call allocations
            fn(images=images)["scores"].numpy()
        latencies = []
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            t = time.perf_counter()
            fn(images=images)["scores"].numpy()
            latencies.append(time.perf_counter() - t)
        elapsed = time.perf_counter() - start
        latencies.sort()
        n = len(latencies)
        print(json.dumps({
            "runtime": "tensorflow " + tf.__version__, "mode": "python", "batch": batch,
            "requests": n, "requests_per_s": n / elapsed,
            "p50_ms": latencies[n // 2] * 1e3, "p99_ms": latencies[min(n * 99 // 100, n - 1)] * 1e3,
        }), flush=True)


if __name__ == "__main__":
    main()
