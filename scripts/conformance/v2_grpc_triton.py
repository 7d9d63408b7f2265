"""The V2 (Open Inference Protocol) gRPC conformance checks with Triton's own Python client
against the builtin executor (`protocol: v2`) in front of a real MLServer unit.

usage: v2_grpc_triton.py ENGINE_GRPC_ADDRESS EXPECTED_JSON DEPLOYMENT
Prints one line per check and ends with `N passed, M failed`; exits 1 on any failure.
"""

import json
import sys
import time

import numpy as np
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

address, expected_path, deployment = sys.argv[1], sys.argv[2], sys.argv[3]
expected = json.load(open(expected_path))
client = grpcclient.InferenceServerClient(address)
# What SeldonClient sends with every call; the engine must accept it.
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


def inputs(rows, datatype="FP64"):
    array = np.array(rows, dtype=np.float64)
    tensor = grpcclient.InferInput("input-0", list(array.shape), datatype)
    tensor.set_data_from_numpy(array)
    return [tensor]


def expect_error(call, code_part):
    try:
        call()
    except InferenceServerException as error:
        text = f"{error.status()} {error.message()}"
        assert code_part in text, f"expected {code_part}, got {text}"
        assert error.message(), "an error with no message"
        return
    raise AssertionError("no error")


def live():
    assert client.is_server_live(headers=headers) is True


def ready():
    # The engine is ready when every unit says so; MLServer loads the model after it listens.
    deadline = time.monotonic() + 60
    while not client.is_server_ready(headers=headers):
        assert time.monotonic() < deadline, "not ready within 60 s"
        time.sleep(0.5)


def model_ready():
    assert client.is_model_ready("iris", headers=headers) is True


def unknown_model_ready():
    expect_error(lambda: client.is_model_ready("nope", headers=headers), "NOT_FOUND")


def model_metadata():
    metadata = client.get_model_metadata("iris", headers=headers, as_json=True)
    assert metadata["name"] == "iris", metadata
    assert [i["name"] for i in metadata["inputs"]] == ["input-0"], metadata
    assert [i["datatype"] for i in metadata["inputs"]] == ["FP64"], metadata
    assert [o["name"] for o in metadata["outputs"]] == ["predict"], metadata


def server_metadata():
    metadata = client.get_server_metadata(headers=headers, as_json=True)
    assert metadata["name"], metadata


def infer_predict():
    result = client.infer("iris", inputs(expected["inputs"]), headers=headers)
    got = result.as_numpy("predict").ravel().tolist()
    assert got == expected["predict"], (got, expected["predict"])
    assert result.get_response().model_name == "iris"


def infer_predict_proba():
    result = client.infer(
        "iris",
        inputs(expected["inputs"]),
        outputs=[grpcclient.InferRequestedOutput("predict_proba")],
        headers=headers,
    )
    got = result.as_numpy("predict_proba")
    want = np.array(expected["predict_proba"])
    assert got.shape == want.shape, (got.shape, want.shape)
    assert np.abs(got - want).max() <= 1e-9, np.abs(got - want).max()


def infer_one_row_with_request_id():
    result = client.infer(
        "iris", inputs(expected["inputs"][:1]), request_id="req-42", headers=headers
    )
    assert result.get_response().id == "req-42"
    assert result.as_numpy("predict").ravel().tolist() == expected["predict"][:1]


def wrong_shape():
    rows = [row[:3] for row in expected["inputs"]]
    expect_error(lambda: client.infer("iris", inputs(rows), headers=headers), "StatusCode")
    # The engine still serves after a refused request.
    infer_predict()


def unknown_model_infer():
    expect_error(
        lambda: client.infer("nope", inputs(expected["inputs"]), headers=headers), "NOT_FOUND"
    )


for name, fn in [
    ("ServerLive through the engine", live),
    ("ServerReady through the engine (every unit ready)", ready),
    ("ModelReady of the unit", model_ready),
    ("ModelReady of an unknown model is NOT_FOUND", unknown_model_ready),
    ("ModelMetadata of the unit", model_metadata),
    ("ServerMetadata of the engine", server_metadata),
    ("ModelInfer: labels equal sklearn's predict", infer_predict),
    ("ModelInfer: predict_proba within 1e-9 of sklearn's", infer_predict_proba),
    ("ModelInfer: one row, the request id comes back", infer_one_row_with_request_id),
    ("ModelInfer with the wrong shape is an error status; the engine still serves", wrong_shape),
    ("ModelInfer of an unknown model is NOT_FOUND", unknown_model_infer),
]:
    check(name, fn)

passed = sum(results)
failed = len(results) - passed
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
