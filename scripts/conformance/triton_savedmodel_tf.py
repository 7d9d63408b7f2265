"""TensorFlow against seldon-local's Triton-compatible server on a SavedModel repository.

Usage: triton_savedmodel_tf.py SERVER_HOST:PORT ENGINE_HOST:PORT SAVEDMODEL_DIR MODEL [COUNT]

Loads SAVEDMODEL_DIR (a Triton `model.savedmodel`) with TensorFlow and runs its serving signature
on COUNT held-out inputs (random INT32 pairs, batches of 1 to the model's max_batch_size, seeded),
then sends the same inputs as V2 REST infer requests to the server directly and through the
engine: every output must equal TensorFlow's exactly (integers), with the right shapes and
datatype. Also checks the model's metadata names TensorFlow's signature inputs and outputs.
Prints `PASS name` / `FAIL name: why` and `N passed, M failed`.
"""

import json
import os
import sys
import urllib.request

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

server, engine, savedmodel, model = sys.argv[1:5]
count = int(sys.argv[5]) if len(sys.argv) > 5 else 50
results = []


def check(name, fn):
    try:
        fn()
        results.append((name, None))
        print(f"PASS {name}", flush=True)
    except Exception as error:  # noqa: BLE001 - a report, every failure is a line
        results.append((name, error))
        print(f"FAIL {name}: {error!r}"[:400], flush=True)


def call(address, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"http://{address}{path}",
        data=data,
        headers={"content-type": "application/json"},
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read())


loaded = tf.saved_model.load(savedmodel)
signature = loaded.signatures["serving_default"]
input_names = sorted(signature.structured_input_signature[1].keys())
output_names = sorted(signature.structured_outputs.keys())
rng = np.random.default_rng(20261207)
cases = []
for _ in range(count):
    batch = int(rng.integers(1, 9))
    inputs = {
        name: rng.integers(-(2**20), 2**20, size=(batch, 16), dtype=np.int32)
        for name in input_names
    }
    expected = {
        name: value.numpy()
        for name, value in signature(**{n: tf.constant(v) for n, v in inputs.items()}).items()
    }
    cases.append((inputs, expected))


def request_of(inputs):
    return {
        "inputs": [
            {
                "name": name,
                "datatype": "INT32",
                "shape": list(value.shape),
                "data": value.flatten().tolist(),
            }
            for name, value in inputs.items()
        ]
    }


def agrees(address, path):
    def run():
        for index, (inputs, expected) in enumerate(cases):
            answer = call(address, path, request_of(inputs))
            outputs = {o["name"]: o for o in answer["outputs"]}
            if sorted(outputs) != output_names:
                raise AssertionError(f"case {index}: outputs {sorted(outputs)} != {output_names}")
            for name, want in expected.items():
                got = outputs[name]
                if got["datatype"] != "INT32":
                    raise AssertionError(f"case {index}: {name} is {got['datatype']}")
                if got["shape"] != list(want.shape):
                    raise AssertionError(f"case {index}: {name} shape {got['shape']} != {list(want.shape)}")
                values = np.array(got["data"], dtype=np.int64).reshape(want.shape)
                if not np.array_equal(values, want.astype(np.int64)):
                    raise AssertionError(f"case {index}: {name} differs from TensorFlow's")

    return run


def metadata_names_the_signature():
    meta = call(server, f"/v2/models/{model}")
    inputs = sorted(t["name"] for t in meta["inputs"])
    outputs = sorted(t["name"] for t in meta["outputs"])
    if inputs != input_names or outputs != output_names:
        raise AssertionError(f"metadata {inputs} -> {outputs}; TensorFlow {input_names} -> {output_names}")


check("metadata names TensorFlow's signature", metadata_names_the_signature)
check(
    f"{count} held-out batches equal TensorFlow's outputs, directly",
    agrees(server, f"/v2/models/{model}/infer"),
)
check(
    f"{count} held-out batches equal TensorFlow's outputs, through the engine",
    agrees(engine, f"/v2/models/{model}/infer"),
)
failed = sum(1 for _, error in results if error is not None)
print(f"{len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
