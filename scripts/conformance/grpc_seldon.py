"""Seldon's own Python client (SeldonClient from seldon-core) against an engine's gRPC port.

Usage: grpc_seldon.py HOST:PORT DEPLOYMENT HELDOUT_JSON MODEL_KEY

SeldonClient(gateway="seldon", transport="grpc") sends ndarray, tensor and tftensor payloads and
feedback to the engine of `up` of an MNIST example; the scores must be within 1e-5 of
TensorFlow's (held-out file, model MODEL_KEY). Then hostile calls (a malformed protobuf, an
unknown method) must each get a status with a message while the engine keeps serving.
Prints `PASS name` / `FAIL name: why` and `N passed, M failed`.
"""

import json
import sys

import grpc
import numpy as np
from seldon_core.seldon_client import SeldonClient

TOLERANCE = 1e-5
address, deployment, heldout_path, model_key = sys.argv[1:5]
heldout = json.load(open(heldout_path))
inputs = np.array(heldout["inputs"], dtype=np.float64)
expected = np.array(heldout["models"][model_key]["scores"], dtype=np.float64)
results = []
client = SeldonClient(
    gateway="seldon",
    transport="grpc",
    gateway_endpoint=address,
    deployment_name=deployment,
    namespace="default",
)


def check(name, fn):
    try:
        fn()
        results.append((name, None))
        print(f"PASS {name}", flush=True)
    except Exception as error:  # noqa: BLE001 - a report, every failure is a line
        results.append((name, error))
        print(f"FAIL {name}: {error!r}"[:400], flush=True)


def scores_of(reply):
    """The scores in a reply dict (SeldonClient gives gRPC replies as MessageToDict)."""
    data = reply["data"]
    if "ndarray" in data:
        return np.array(data["ndarray"], dtype=np.float64)
    if "tensor" in data:
        tensor = data["tensor"]
        return np.array(tensor["values"], dtype=np.float64).reshape(tensor["shape"])
    raise AssertionError(f"no ndarray or tensor in {json.dumps(reply)[:300]}")


def predicts(payload_type, rows):
    def run():
        data = inputs[rows]
        if payload_type == "tftensor":
            # The model takes float32, and TF Serving does not cast a tftensor (neither do we).
            data = data.astype(np.float32)
        result = client.predict(data=data, payload_type=payload_type)
        assert result.success, result.msg
        reply = result.response
        if not isinstance(reply, dict):
            from google.protobuf import json_format

            reply = json_format.MessageToDict(reply)
        if payload_type == "tftensor":
            import tensorflow as tf

            from seldon_core.proto import prediction_pb2
            from google.protobuf import json_format

            message = json_format.ParseDict(reply, prediction_pb2.SeldonMessage())
            got = tf.make_ndarray(message.data.tftensor)
        else:
            got = scores_of(reply)
        want = expected[rows]
        assert got.shape == want.shape, f"shape {got.shape} != {want.shape}"
        worst = float(np.max(np.abs(got - want)))
        assert worst <= TOLERANCE, f"max abs difference {worst} > {TOLERANCE}"

    run.__name__ = f"seldon_client_predict_{payload_type}_{len(rows)}_rows"
    return run


def as_message(value):
    """A SeldonMessage from what SeldonClient returned (a proto, or MessageToDict of one)."""
    if not isinstance(value, dict):
        return value
    from google.protobuf import json_format
    from seldon_core.proto import prediction_pb2

    return json_format.ParseDict(value, prediction_pb2.SeldonMessage())


def feedback_is_accepted():
    prediction = client.predict(data=inputs[[0]], payload_type="ndarray")
    assert prediction.success, prediction.msg
    result = client.feedback(
        prediction_request=as_message(prediction.request),
        prediction_response=as_message(prediction.response),
        reward=1.0,
    )
    assert result.success, result.msg


channel = grpc.insecure_channel(address)


def hostile(name, method, body, code):
    def run():
        raw = channel.unary_unary(method, request_serializer=lambda b: b, response_deserializer=lambda b: b)
        try:
            raw(body, timeout=30)
        except grpc.RpcError as error:
            assert error.code() == code, f"{error.code()} ({error.details()}), expected {code}"
            assert error.details(), "a status without a message"
            return
        raise AssertionError("garbage was accepted")

    run.__name__ = name
    return run


checks = [
    predicts("ndarray", [0]),
    predicts("ndarray", [1, 2, 3]),
    predicts("tensor", [4]),
    predicts("tensor", [5, 6]),
    feedback_is_accepted,
    hostile("malformed_protobuf_is_a_status", "/seldon.protos.Seldon/Predict", b"\x2a\x7f\x01", grpc.StatusCode.INTERNAL),
    hostile("unknown_method_is_unimplemented_with_a_message", "/seldon.protos.Seldon/Explain", b"", grpc.StatusCode.UNIMPLEMENTED),
    predicts("ndarray", [7]),  # still serving after the hostile calls
]
if "--tftensor" in sys.argv:
    checks.insert(4, predicts("tftensor", [8, 9]))
for test in checks:
    check(test.__name__, test)

failed = sum(1 for _, error in results if error is not None)
print(f"{len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
