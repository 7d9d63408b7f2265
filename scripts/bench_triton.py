"""Benchmark driver for scripts/bench-triton.sh: the builtin Triton-compatible server (REST,
binary tensor data, one keep-alive connection) next to onnxruntime's in-process Python session
on the same ONNX model, batch 1 and 32, plus the server's time from spawn to the model ready.
The transport floor (a keep-alive `GET /v2/health/live` from the same Python client, no model and
no tensors) is printed too: `ours p50 - floor p50` estimates the server's own time per infer
(decode, run, encode), which the Python client's per-request cost hides at batch 1.

usage: bench_triton.py SELDON_LOCAL_BINARY REPOSITORY MODEL SECONDS_PER_CASE
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import time

import numpy as np
import onnxruntime as ort

binary, repository, model, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def ready(port):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        c.request("GET", f"/v2/models/{model}/ready")
        return c.getresponse().status == 200
    except OSError:
        return False


def start_server():
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [binary, "-q", "component", "tritonserver", f"--model-repository={repository}", f"--http-port={port}"],
        stderr=subprocess.DEVNULL,
    )
    deadline = started + 60
    while not ready(port):
        if time.perf_counter() > deadline or process.poll() is not None:
            process.kill()
            sys.exit("the server did not become ready")
        time.sleep(0.001)  # poll interval
    return process, port, (time.perf_counter() - started) * 1000


def timed(fn):
    fn()  # warm-up
    latencies = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        fn()
        latencies.append(time.perf_counter() - t)
    latencies.sort()
    return len(latencies) / sum(latencies), latencies[len(latencies) // 2] * 1e6


def main():
    heldout = json.load(open(os.path.join(ROOT, "examples", "tfserving-mnist", "heldout.json")))
    x_all = np.array(heldout["inputs"], dtype=np.float32)
    session = ort.InferenceSession(os.path.join(repository, model, "1", "model.onnx"), providers=["CPUExecutionProvider"])
    in_name, out_name = session.get_inputs()[0].name, session.get_outputs()[0].name

    loads = []
    for _ in range(3):
        process, port, ms = start_server()
        loads.append(ms)
        process.terminate()
        process.wait()
    process, port, _ = start_server()
    connection = http.client.HTTPConnection("127.0.0.1", port)
    try:
        print(f"model: {model} ({repository})")
        print(f"load time to first ready (spawn -> /v2/models/{model}/ready 200), best of 3: {min(loads):.1f} ms "
              f"(all: {', '.join(f'{m:.1f}' for m in loads)} ms)")
        def live():
            connection.request("GET", "/v2/health/live")
            response = connection.getresponse()
            response.read()
            assert response.status == 200

        floor_rate, floor_p50 = timed(live)
        print(f"transport floor (GET /v2/health/live, same client): {floor_rate:.0f} req/s, p50 {floor_p50:.1f} us")
        print(f"{'batch':>5} {'ours req/s':>11} {'ours p50 us':>12} {'onnxruntime/s':>14} {'ort p50 us':>11} {'ours/ort':>9} "
              f"{'server us (p50 - floor)':>24}")
        for batch in (1, 32):
            x = x_all[:batch]
            header = json.dumps({
                "inputs": [{"name": in_name, "datatype": "FP32", "shape": list(x.shape),
                            "parameters": {"binary_data_size": x.nbytes}}],
                "outputs": [{"name": out_name, "parameters": {"binary_data": True}}],
            }).encode()
            body = header + x.tobytes()
            headers = {"Inference-Header-Content-Length": str(len(header)),
                       "Content-Type": "application/octet-stream"}

            def ours():
                connection.request("POST", f"/v2/models/{model}/infer", body, headers)
                response = connection.getresponse()
                data = response.read()
                assert response.status == 200, data[:200]
                return data

            reply = ours()
            length = int(reply and len(reply) - batch * 10 * 4)
            got = np.frombuffer(reply[length:], dtype=np.float32).reshape(batch, 10)
            want = session.run([out_name], {in_name: x})[0]
            assert float(np.max(np.abs(got - want))) <= 1e-5
            ours_rate, ours_p50 = timed(ours)
            ort_rate, ort_p50 = timed(lambda: session.run([out_name], {in_name: x}))
            print(f"{batch:>5} {ours_rate:>11.0f} {ours_p50:>12.1f} {ort_rate:>14.0f} {ort_p50:>11.1f} {ours_rate / ort_rate:>8.2f}x "
                  f"{ours_p50 - floor_p50:>24.1f}")
    finally:
        process.terminate()
        process.wait()


main()
