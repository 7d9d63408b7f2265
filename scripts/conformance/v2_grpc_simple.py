"""tritonclient[grpc] through a `protocol: v2` engine whose unit is the builtin Triton-compatible
server on Triton's classic `simple` model (INT32 INPUT0, INPUT1 [1,16] -> OUTPUT0 = sum,
OUTPUT1 = difference): readiness, metadata and inference, as Triton's simple_grpc_infer_client
makes them. Used for the Docker runtime, where no Python unit can be played.

usage: v2_grpc_simple.py ENGINE_GRPC_ADDRESS DEPLOYMENT
Prints one line per check and ends with `N passed, M failed`; exits 1 on any failure.
"""

import sys
import time

import numpy as np
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

address, deployment = sys.argv[1], sys.argv[2]
client = grpcclient.InferenceServerClient(address)
headers = {"seldon": deployment, "namespace": "default"}
results = []


def check(name, fn):
    try:
        fn()
        results.append(True)
        print(f"ok   {name}")
    except Exception as error:  # noqa: BLE001 - every failure is reported the same way
        results.append(False)
        print(f"FAIL {name}: {type(error).__name__}: {error}")


def ready():
    deadline = time.monotonic() + 60
    while not client.is_server_ready(headers=headers):
        assert time.monotonic() < deadline, "not ready within 60 s"
        time.sleep(0.2)


def metadata():
    meta = client.get_model_metadata("simple", headers=headers)
    assert meta.name == "simple", meta
    assert sorted(i.name for i in meta.inputs) == ["INPUT0", "INPUT1"], meta
    assert all(i.datatype == "INT32" for i in meta.inputs), meta


def infer():
    a = np.arange(16, dtype=np.int32).reshape(1, 16)
    b = np.ones((1, 16), dtype=np.int32)
    inputs = [grpcclient.InferInput("INPUT0", [1, 16], "INT32"),
              grpcclient.InferInput("INPUT1", [1, 16], "INT32")]
    inputs[0].set_data_from_numpy(a)
    inputs[1].set_data_from_numpy(b)
    outputs = [grpcclient.InferRequestedOutput("OUTPUT0"), grpcclient.InferRequestedOutput("OUTPUT1")]
    result = client.infer("simple", inputs, outputs=outputs, headers=headers, request_id="42")
    assert (result.as_numpy("OUTPUT0") == a + b).all(), result.as_numpy("OUTPUT0")
    assert (result.as_numpy("OUTPUT1") == a - b).all(), result.as_numpy("OUTPUT1")
    assert result.get_response().id == "42", result.get_response()


def wrong_shape():
    bad = grpcclient.InferInput("INPUT0", [1, 3], "INT32")
    bad.set_data_from_numpy(np.zeros((1, 3), dtype=np.int32))
    other = grpcclient.InferInput("INPUT1", [1, 3], "INT32")
    other.set_data_from_numpy(np.zeros((1, 3), dtype=np.int32))
    try:
        client.infer("simple", [bad, other], headers=headers)
    except InferenceServerException as error:
        assert error.message(), "an error with no message"
    else:
        raise AssertionError("a wrong shape was answered")
    infer()


def live():
    assert client.is_server_live(headers=headers) is True


def model_ready():
    assert client.is_model_ready("simple", headers=headers) is True


check("ServerLive through the engine", live)
check("ServerReady through the engine", ready)
check("ModelReady of the unit", model_ready)
check("ModelMetadata of the unit", metadata)
check("ModelInfer: OUTPUT0 = sum, OUTPUT1 = difference, the request id comes back", infer)
check("ModelInfer with a wrong shape is an error status; the engine still serves", wrong_shape)

failed = results.count(False)
print(f"{len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
