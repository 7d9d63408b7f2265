"""Triton conformance: tritonclient's HTTP client against the builtin Triton-compatible server,
directly and through the engine, with onnxruntime (and TensorFlow's recorded scores) as the
reference numbers.

usage: triton_clients.py SERVER_ADDRESS ENGINE_ADDRESS REPOSITORY GRPC_ADDRESS \
    EXPLICIT_ADDRESS EXPLICIT_GRPC_ADDRESS
SERVER serves REPOSITORY with the default model control mode (none); EXPLICIT serves it with
`--model-control-mode=explicit --load-model=simple`, for the model control calls
(simple_http_model_control.py and simple_grpc_model_control.py: index, load, unload).
The calls are the ones Triton's example clients make (simple_http_infer_client.py,
simple_http_async_infer_client.py, simple_http_health_metadata.py, simple_http_model_control
index, and their simple_grpc_* counterparts), written here against the same public API. Prints one line per check and ends with
`N passed, M failed`; exits 1 on any failure.
"""

import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

server, engine, repository, grpc_address, explicit_address, explicit_grpc = sys.argv[1:7]
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
results = []


def check(name, fn):
    try:
        fn()
        results.append(True)
        print(f"ok   {name}")
    except Exception as error:  # noqa: BLE001 - every failure is reported the same way
        results.append(False)
        print(f"FAIL {name}: {type(error).__name__}: {error}")


client = httpclient.InferenceServerClient(server)
through_engine = httpclient.InferenceServerClient(engine)


def wait_ready(c=client):
    deadline = time.monotonic() + 60
    while True:
        try:
            if c.is_server_ready():
                return
        except Exception:  # noqa: BLE001 - not listening yet
            pass
        assert time.monotonic() < deadline, "not ready within 60 s"
        time.sleep(0.05)


def simple_inputs(binary0=True, binary1=False):
    input0 = np.arange(16, dtype=np.int32).reshape(1, 16)
    input1 = np.ones((1, 16), dtype=np.int32)
    inputs = [
        httpclient.InferInput("INPUT0", [1, 16], "INT32"),
        httpclient.InferInput("INPUT1", [1, 16], "INT32"),
    ]
    inputs[0].set_data_from_numpy(input0, binary_data=binary0)
    inputs[1].set_data_from_numpy(input1, binary_data=binary1)
    return input0, input1, inputs


def simple_infer(c, binary0, binary1, out0, out1):
    input0, input1, inputs = simple_inputs(binary0, binary1)
    outputs = [
        httpclient.InferRequestedOutput("OUTPUT0", binary_data=out0),
        httpclient.InferRequestedOutput("OUTPUT1", binary_data=out1),
    ]
    result = c.infer("simple", inputs, outputs=outputs, request_id="1")
    np.testing.assert_array_equal(result.as_numpy("OUTPUT0"), input0 + input1)
    np.testing.assert_array_equal(result.as_numpy("OUTPUT1"), input0 - input1)
    assert result.get_response()["id"] == "1", result.get_response()


def health():
    assert client.is_server_live()
    assert client.is_server_ready()
    assert client.is_model_ready("simple")
    assert client.is_model_ready("simple", "1")
    assert not client.is_model_ready("simple", "7")


def server_metadata():
    metadata = client.get_server_metadata()
    assert metadata["name"] == "triton", metadata
    assert "binary_tensor_data" in metadata["extensions"], metadata


def model_metadata():
    metadata = client.get_model_metadata("simple")
    assert metadata["name"] == "simple", metadata
    assert metadata["versions"] == ["1"], metadata
    assert metadata["platform"] == "onnxruntime_onnx", metadata
    assert [i["name"] for i in metadata["inputs"]] == ["INPUT0", "INPUT1"], metadata
    assert metadata["inputs"][0]["shape"] == [-1, 16], metadata
    assert metadata["outputs"][1]["datatype"] == "INT32", metadata


def model_config():
    config = client.get_model_config("simple")
    assert config["max_batch_size"] == 8, config
    assert config["input"][0]["data_type"] == "TYPE_INT32", config


def repository_index():
    index = client.get_model_repository_index()
    names = sorted(m["name"] for m in index if m["state"] == "READY")
    expected = sorted(os.listdir(repository))
    assert names == expected, index


def async_infer():
    _, _, inputs = simple_inputs(True, True)
    requests = [client.async_infer("simple", inputs) for _ in range(4)]
    for request in requests:
        result = request.get_result()
        np.testing.assert_array_equal(result.as_numpy("OUTPUT0")[0], np.arange(1, 17))


def batch_of_8():
    input0 = np.arange(128, dtype=np.int32).reshape(8, 16)
    inputs = [httpclient.InferInput("INPUT0", [8, 16], "INT32"), httpclient.InferInput("INPUT1", [8, 16], "INT32")]
    inputs[0].set_data_from_numpy(input0)
    inputs[1].set_data_from_numpy(input0)
    result = client.infer("simple", inputs)
    np.testing.assert_array_equal(result.as_numpy("OUTPUT0"), input0 * 2)


def expect_error(call, part):
    try:
        call()
    except InferenceServerException as error:
        assert part in error.message(), f"expected {part!r} in {error.message()!r}"
        return
    raise AssertionError("no error")


def errors():
    _, _, inputs = simple_inputs()
    expect_error(lambda: client.infer("nothing", inputs), "unknown model")
    expect_error(lambda: client.infer("simple", inputs, model_version="7"), "version 7")
    too_big = [httpclient.InferInput("INPUT0", [9, 16], "INT32"), httpclient.InferInput("INPUT1", [9, 16], "INT32")]
    for t in too_big:
        t.set_data_from_numpy(np.zeros((9, 16), dtype=np.int32))
    expect_error(lambda: client.infer("simple", too_big), "batch-size must be <= 8")
    wrong = [httpclient.InferInput("INPUT0", [1, 16], "FP32"), inputs[1]]
    wrong[0].set_data_from_numpy(np.zeros((1, 16), dtype=np.float32))
    expect_error(lambda: client.infer("simple", wrong), "data-type")


def onnx_models():
    """Every ONNX model of the repository with held-out inputs: ours equals onnxruntime's."""
    heldout = json.load(open(os.path.join(ROOT, "examples", "tfserving-mnist", "heldout.json")))
    model = os.path.join(repository, "mnist", "1", "model.onnx")
    if not os.path.exists(model):
        raise AssertionError("no mnist model in the repository")
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    metadata = client.get_model_metadata("mnist")
    in_name = metadata["inputs"][0]["name"]
    out_name = metadata["outputs"][0]["name"]
    x = np.array(heldout["inputs"], dtype=np.float32)
    worst_ort = worst_tf = 0.0
    for start in range(0, len(x), 32):
        batch = x[start:start + 32]
        tensor = httpclient.InferInput(in_name, list(batch.shape), "FP32")
        tensor.set_data_from_numpy(batch)
        ours = client.infer("mnist", [tensor]).as_numpy(out_name)
        reference = session.run([out_name], {in_name: batch})[0]
        worst_ort = max(worst_ort, float(np.max(np.abs(ours - reference))))
        tf_scores = np.array(heldout["models"]["tf1"]["scores"][start:start + 32], dtype=np.float32)
        worst_tf = max(worst_tf, float(np.max(np.abs(ours - tf_scores))))
    print(f"     mnist: {len(x)} held-out inputs, max |ours - onnxruntime| = {worst_ort:.3g}, "
          f"max |ours - TensorFlow| = {worst_tf:.3g}")
    assert worst_ort <= 1e-5, worst_ort
    assert worst_tf <= 1e-5, worst_tf


def simple_vs_onnxruntime():
    session = ort.InferenceSession(os.path.join(repository, "simple", "1", "model.onnx"), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(7)
    a = rng.integers(-1000, 1000, size=(8, 16), dtype=np.int32)
    b = rng.integers(-1000, 1000, size=(8, 16), dtype=np.int32)
    inputs = [httpclient.InferInput("INPUT0", [8, 16], "INT32"), httpclient.InferInput("INPUT1", [8, 16], "INT32")]
    inputs[0].set_data_from_numpy(a)
    inputs[1].set_data_from_numpy(b)
    ours = client.infer("simple", inputs)
    want = session.run(["OUTPUT0", "OUTPUT1"], {"INPUT0": a, "INPUT1": b})
    np.testing.assert_array_equal(ours.as_numpy("OUTPUT0"), want[0])
    np.testing.assert_array_equal(ours.as_numpy("OUTPUT1"), want[1])


def grpc_checks():
    g = grpcclient.InferenceServerClient(grpc_address)
    assert g.is_server_live() and g.is_server_ready()
    assert g.is_model_ready("simple") and not g.is_model_ready("simple", "7")
    assert g.get_server_metadata().name == "triton"
    metadata = g.get_model_metadata("simple")
    assert [i.name for i in metadata.inputs] == ["INPUT0", "INPUT1"], metadata
    assert list(metadata.inputs[0].shape) == [-1, 16], metadata
    input0 = np.arange(16, dtype=np.int32).reshape(1, 16)
    input1 = np.ones((1, 16), dtype=np.int32)
    inputs = [grpcclient.InferInput("INPUT0", [1, 16], "INT32"), grpcclient.InferInput("INPUT1", [1, 16], "INT32")]
    inputs[0].set_data_from_numpy(input0)
    inputs[1].set_data_from_numpy(input1)
    outputs = [grpcclient.InferRequestedOutput("OUTPUT0"), grpcclient.InferRequestedOutput("OUTPUT1")]
    result = g.infer("simple", inputs, outputs=outputs, request_id="7")
    np.testing.assert_array_equal(result.as_numpy("OUTPUT0"), input0 + input1)
    np.testing.assert_array_equal(result.as_numpy("OUTPUT1"), input0 - input1)
    assert result.get_response().id == "7"
    try:
        g.infer("nothing", inputs)
        raise AssertionError("no error for an unknown model")
    except InferenceServerException as error:
        assert "unknown model" in error.message(), error.message()
    heldout = json.load(open(os.path.join(ROOT, "examples", "tfserving-mnist", "heldout.json")))
    x = np.array(heldout["inputs"][:32], dtype=np.float32)
    tensor = grpcclient.InferInput("images", list(x.shape), "FP32")
    tensor.set_data_from_numpy(x)
    ours = g.infer("mnist", [tensor]).as_numpy("scores")
    session = ort.InferenceSession(os.path.join(repository, "mnist", "1", "model.onnx"), providers=["CPUExecutionProvider"])
    reference = session.run(["scores"], {"images": x})[0]
    assert float(np.max(np.abs(ours - reference))) <= 1e-5


def mnist_batch(module, n=4):
    heldout = json.load(open(os.path.join(ROOT, "examples", "tfserving-mnist", "heldout.json")))
    x = np.array(heldout["inputs"][:n], dtype=np.float32)
    tensor = module.InferInput("images", list(x.shape), "FP32")
    tensor.set_data_from_numpy(x)
    session = ort.InferenceSession(os.path.join(repository, "mnist", "1", "model.onnx"), providers=["CPUExecutionProvider"])
    return [tensor], session.run(["scores"], {"images": x})[0]


def index_of(entries):
    """name -> (state, reason) from an index, whichever client gave it."""
    out = {}
    for m in entries:
        if isinstance(m, dict):
            out[m["name"]] = (m.get("state", ""), m.get("reason", ""))
        else:
            out[m.name] = (m.state, m.reason)
    return out


def control_refused_unless_explicit():
    """The default mode (none) refuses load and unload in Triton's words, over both protocols."""
    expect_error(lambda: client.load_model("simple"), "explicit model load / unload is not allowed")
    expect_error(lambda: client.unload_model("simple"), "explicit model load / unload is not allowed")
    g = grpcclient.InferenceServerClient(grpc_address)
    expect_error(lambda: g.load_model("simple"), "explicit model load / unload is not allowed")
    assert client.is_model_ready("simple")


def model_control_http():
    """simple_http_model_control: only --load-model models at start, then load, infer, unload."""
    c = httpclient.InferenceServerClient(explicit_address)
    wait_ready(c)
    index = index_of(c.get_model_repository_index())
    assert index["simple"] == ("READY", ""), index
    assert index["mnist"] == ("", ""), index
    assert sorted(index) == sorted(os.listdir(repository)), index
    assert c.is_model_ready("simple") and not c.is_model_ready("mnist")
    c.load_model("mnist")
    assert c.is_model_ready("mnist")
    inputs, reference = mnist_batch(httpclient)
    ours = c.infer("mnist", inputs).as_numpy("scores")
    assert float(np.max(np.abs(ours - reference))) <= 1e-5
    c.unload_model("mnist")
    assert not c.is_model_ready("mnist")
    assert index_of(c.get_model_repository_index())["mnist"] == ("UNAVAILABLE", "unloaded")
    try:
        c.infer("mnist", inputs)
        raise AssertionError("an unloaded model answered")
    except InferenceServerException as error:
        assert error.status() == "400", error.status()
        assert "unknown model" in error.message(), error.message()
    assert c.is_server_ready(), "an unloaded model made the server unready"
    expect_error(lambda: c.load_model("nothing"),
                 "failed to load 'nothing', failed to poll from model repository")
    c.load_model("mnist")
    assert c.is_model_ready("mnist")


def model_control_grpc():
    """simple_grpc_model_control: the same over gRPC."""
    g = grpcclient.InferenceServerClient(explicit_grpc)
    g.unload_model("mnist")
    assert not g.is_model_ready("mnist")
    index = index_of(g.get_model_repository_index().models)
    assert index["mnist"] == ("UNAVAILABLE", "unloaded"), index
    assert index["simple"] == ("READY", ""), index
    g.load_model("mnist")
    assert g.is_model_ready("mnist")
    inputs, reference = mnist_batch(grpcclient)
    ours = g.infer("mnist", inputs).as_numpy("scores")
    assert float(np.max(np.abs(ours - reference))) <= 1e-5
    g.unload_model("simple")
    assert not g.is_model_ready("simple")
    expect_error(lambda: g.load_model("nothing"), "failed to poll from model repository")
    g.load_model("simple")
    assert g.is_model_ready("simple")


check("server becomes ready", wait_ready)
check("health: live, ready, model ready by version", health)
check("server metadata", server_metadata)
check("model metadata", model_metadata)
check("model config", model_config)
check("repository index", repository_index)
for b0, b1, o0, o1 in [(True, False, True, False), (False, False, False, False), (True, True, True, True)]:
    check(f"simple infer (binary inputs {b0}/{b1}, binary outputs {o0}/{o1})",
          lambda: simple_infer(client, b0, b1, o0, o1))
# Through the engine too: the binary data extension (tritonclient's default) passes the
# executor with its Inference-Header-Content-Length, both ways.
for b0, b1, o0, o1 in [(True, False, True, False), (False, False, False, False), (True, True, True, True)]:
    check(f"simple infer through the engine (binary inputs {b0}/{b1}, binary outputs {o0}/{o1})",
          lambda: simple_infer(through_engine, b0, b1, o0, o1))
check("async infer", async_infer)
check("a batch of max_batch_size", batch_of_8)
check("errors: unknown model and version, batch over the max, wrong datatype", errors)
check("simple equals onnxruntime", simple_vs_onnxruntime)
check("mnist equals onnxruntime and TensorFlow within 1e-5", onnx_models)
check("gRPC: health, metadata, simple infer, unknown model, mnist equals onnxruntime", grpc_checks)
check("model control: load and unload refused in the default mode (HTTP and gRPC)",
      control_refused_unless_explicit)
check("model control over HTTP: explicit start, index, load, infer, unload, unknown model",
      model_control_http)
check("model control over gRPC: index, unload, load, infer, unknown model", model_control_grpc)

passed = sum(results)
failed = len(results) - passed
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
