"""TF Serving's own gRPC client (tensorflow-serving-api) against seldon-local's model server.

Usage: grpc_tfserving.py HOST:PORT MODEL_NAME SAVEDMODEL_DIR HELDOUT_JSON

Calls Predict (typed fields and tensor_content), GetModelMetadata and GetModelStatus, compares the
scores with TensorFlow running the same SavedModel (within 1e-5), and sends hostile calls (a
malformed protobuf, an unknown method, a wrong dtype) that must each get a status with a message
while the server keeps serving. Prints `PASS name` / `FAIL name: why` and `N passed, M failed`.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import grpc  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow_serving.apis import (  # noqa: E402
    get_model_metadata_pb2,
    get_model_status_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
)

TOLERANCE = 1e-5
address, model_name, savedmodel, heldout_path = sys.argv[1:5]
results = []


def check(name, fn):
    try:
        fn()
        results.append((name, None))
        print(f"PASS {name}", flush=True)
    except Exception as error:  # noqa: BLE001 - a report, every failure is a line
        results.append((name, error))
        print(f"FAIL {name}: {error!r}"[:400], flush=True)


channel = grpc.insecure_channel(address)
grpc.channel_ready_future(channel).result(timeout=30)
prediction = prediction_service_pb2_grpc.PredictionServiceStub(channel)
models = model_service_pb2_grpc.ModelServiceStub(channel)

heldout = json.load(open(heldout_path))
images = np.array(heldout["inputs"][:8], dtype=np.float32)
loaded = tf.saved_model.load(savedmodel)
signature_name = "predict_images" if "predict_images" in loaded.signatures else "serving_default"
signature = loaded.signatures[signature_name]
input_key = list(signature.structured_input_signature[1].keys())[0]
expected = {k: v.numpy() for k, v in signature(**{input_key: tf.constant(images)}).items()}


def predict_request(tensor_proto):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature_name
    request.inputs[input_key].CopyFrom(tensor_proto)
    return request


def compare(response):
    for key, want in expected.items():
        got = tf.make_ndarray(response.outputs[key])
        assert got.shape == want.shape, f"{key}: shape {got.shape} vs TensorFlow {want.shape}"
        diff = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64))))
        assert diff <= TOLERANCE, f"{key}: max abs diff {diff}"


def predict_typed_fields():
    proto = tf.make_tensor_proto(images)  # tensor_content for a float array
    typed = tf.make_tensor_proto(images.flatten().tolist(), shape=images.shape, dtype=tf.float32)
    compare(prediction.Predict(predict_request(proto), timeout=30))
    compare(prediction.Predict(predict_request(typed), timeout=30))


def predict_reports_the_version():
    response = prediction.Predict(predict_request(tf.make_tensor_proto(images)), timeout=30)
    assert response.model_spec.name == model_name, response.model_spec
    assert response.model_spec.version.value >= 1, response.model_spec


def metadata_has_the_signature():
    request = get_model_metadata_pb2.GetModelMetadataRequest()
    request.model_spec.name = model_name
    request.metadata_field.append("signature_def")
    response = prediction.GetModelMetadata(request, timeout=30)
    defs = get_model_metadata_pb2.SignatureDefMap()
    response.metadata["signature_def"].Unpack(defs)
    assert signature_name in defs.signature_def, list(defs.signature_def)
    assert input_key in defs.signature_def[signature_name].inputs


def status_is_available():
    request = get_model_status_pb2.GetModelStatusRequest()
    request.model_spec.name = model_name
    response = models.GetModelStatus(request, timeout=30)
    states = [s.state for s in response.model_version_status]
    assert states and all(s == 30 for s in states), states  # AVAILABLE


def expect_status(code, call):
    try:
        call()
    except grpc.RpcError as error:
        assert error.code() == code, f"{error.code()} {error.details()}"
        assert error.details(), "no message"
        return
    raise AssertionError("the call succeeded")


def unknown_model_is_not_found():
    request = predict_request(tf.make_tensor_proto(images))
    request.model_spec.name = "no-such-model"
    expect_status(grpc.StatusCode.NOT_FOUND, lambda: prediction.Predict(request, timeout=30))


def wrong_dtype_is_invalid_argument():
    request = predict_request(tf.make_tensor_proto(images.astype(np.int64)))
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, lambda: prediction.Predict(request, timeout=30))


def wrong_shape_is_invalid_argument():
    request = predict_request(tf.make_tensor_proto(np.zeros((1, 3), dtype=np.float32)))
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, lambda: prediction.Predict(request, timeout=30))


def malformed_protobuf_is_a_status():
    raw = channel.unary_unary(
        "/tensorflow.serving.PredictionService/Predict",
        request_serializer=lambda b: b,
        response_deserializer=lambda b: b,
    )
    try:
        raw(b"\xff\xff\xff\xff\x0f garbage", timeout=30)
    except grpc.RpcError as error:
        assert error.code() != grpc.StatusCode.OK and error.details(), error
        return
    raise AssertionError("garbage was accepted")


def unknown_method_is_unimplemented():
    raw = channel.unary_unary(
        "/tensorflow.serving.PredictionService/MultiInference",
        request_serializer=lambda b: b,
        response_deserializer=lambda b: b,
    )
    expect_status(grpc.StatusCode.UNIMPLEMENTED, lambda: raw(b"", timeout=30))


for test in [
    predict_typed_fields,
    predict_reports_the_version,
    metadata_has_the_signature,
    status_is_available,
    unknown_model_is_not_found,
    wrong_dtype_is_invalid_argument,
    wrong_shape_is_invalid_argument,
    malformed_protobuf_is_a_status,
    unknown_method_is_unimplemented,
    predict_typed_fields,  # still serving after the hostile calls
]:
    check(test.__name__, test)

failed = sum(1 for _, error in results if error is not None)
print(f"{len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
