"""How many of the corpus's TRITON_SERVER deployments (Seldon Core 1.18.2) `up --runtime embedded`
runs and answers, each modelUri pointed at a local Triton repository:

  servers/triton/samples/simple.yaml,       examples/triton-simple/models (Triton's `simple`)
  executor/samples/local/v2/model.yaml
  examples/mnist_triton_e2e/deployment.yaml examples/triton-onnx-mnist/models (`mnist`)
  examples/transformers/v2-protocol         a repository built here: `gpt2`, a tiny ONNX model
      (GPT-2 graph)                         with GPT-2's input and output names (input_ids,
                                            attention_mask -> logits); the two
                                            `seldonio/gpt2-tokeniser` units are played by the real
                                            MLServer (PyPI) running scripts/conformance/
                                            gpt2_tokeniser.py, through `up --exec`
  testing/resources/tf_cifar_anchor_image_explainer_v2.yaml
                                            a repository built here: `cifar10`, a tiny ONNX
                                            classifier with the upstream model's input and output
                                            names (input_1 [32, 32, 3] -> fc10 [10]); its
                                            AnchorImages explainer cannot run offline (below), so
                                            this sdep is counted without it and says so

Each deployment answers one V2 request through the engine, checked against numbers computed
here (numpy; for mnist TensorFlow's recorded scores). Prints one line per deployment, a table,
then `N passed, M failed`.

Usage: corpus_triton.py BINARY ROOT CORPUS_DIR WORK_DIR MLSERVER
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.request

import numpy as np
import onnx
import yaml
from onnx import TensorProto, helper, numpy_helper

binary, root, corpus, work, mlserver = sys.argv[1:6]
VOCABULARY = 256
EXPLAINER_REASON = (
    "its AnchorImages explainer (seldonio/mlserver:*-alibi-explain) loads a pickled alibi 0.8 "
    "explainer from gs://seldon-models, which cannot be fetched offline; the predictor runs "
    "without it"
)


def gpt2_repository(path):
    """`gpt2`: logits[b, t, v] = 1 where v = (input_ids[b, t] + 1) mod 256, times the mask."""
    table = np.zeros((VOCABULARY, VOCABULARY), dtype=np.float32)
    table[np.arange(VOCABULARY), (np.arange(VOCABULARY) + 1) % VOCABULARY] = 1.0
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["table", "input_ids"], ["rows"], axis=0),
            helper.make_node("Cast", ["attention_mask"], ["mask"], to=TensorProto.FLOAT),
            helper.make_node("Unsqueeze", ["mask", "last"], ["mask3"]),
            helper.make_node("Mul", ["rows", "mask3"], ["logits"]),
        ],
        "gpt2",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT32, ["batch", "sequence"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT32, ["batch", "sequence"]),
        ],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "sequence", VOCABULARY])],
        [numpy_helper.from_array(table, "table"), numpy_helper.from_array(np.array([2], dtype=np.int64), "last")],
    )
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path, "gpt2")


def cifar10_weights():
    return np.random.default_rng(10).normal(0, 0.02, size=(32 * 32 * 3, 10)).astype(np.float32)


def cifar10_repository(path):
    """`cifar10`: softmax(flatten(input_1) @ W), input_1 [-1, 32, 32, 3] -> fc10 [-1, 10]."""
    graph = helper.make_graph(
        [
            helper.make_node("Flatten", ["input_1"], ["flat"], axis=1),
            helper.make_node("MatMul", ["flat", "weights"], ["scores"]),
            helper.make_node("Softmax", ["scores"], ["fc10"], axis=1),
        ],
        "cifar10",
        [helper.make_tensor_value_info("input_1", TensorProto.FLOAT, ["batch", 32, 32, 3])],
        [helper.make_tensor_value_info("fc10", TensorProto.FLOAT, ["batch", 10])],
        [numpy_helper.from_array(cifar10_weights(), "weights")],
    )
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path, "cifar10")


def save(model, repository, name):
    model.ir_version = 8
    onnx.checker.check_model(model)
    os.makedirs(os.path.join(repository, name, "1"), exist_ok=True)
    onnx.save(model, os.path.join(repository, name, "1", "model.onnx"))


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.load(answer)


def output(reply, name):
    found = [o for o in reply["outputs"] if o["name"] == name]
    assert found, f"no output {name!r} in {json.dumps(reply)[:300]}"
    return np.array(found[0]["data"]).reshape(found[0]["shape"])


def check_simple(engine, model):
    a = list(range(16))
    reply = post(f"{engine}/v2/models/{model}/infer", {"inputs": [
        {"name": "INPUT0", "datatype": "INT32", "shape": [1, 16], "data": a},
        {"name": "INPUT1", "datatype": "INT32", "shape": [1, 16], "data": [1] * 16},
    ]})
    assert output(reply, "OUTPUT0").tolist() == [[x + 1 for x in a]], reply
    assert output(reply, "OUTPUT1").tolist() == [[x - 1 for x in a]], reply


def check_mnist(engine, model):
    heldout = json.load(open(os.path.join(root, "examples", "tfserving-mnist", "heldout.json")))
    x = heldout["inputs"][:4]
    reply = post(f"{engine}/v2/models/{model}/infer", {"inputs": [
        {"name": "images", "datatype": "FP32", "shape": [4, 784], "data": x},
    ]})
    want = np.array(heldout["models"]["tf1"]["scores"][:4])
    assert np.max(np.abs(output(reply, "scores") - want)) <= 1e-5, reply


def check_cifar10(engine, model):
    x = np.random.default_rng(3).random((2, 32, 32, 3), dtype=np.float32)
    reply = post(f"{engine}/v2/models/{model}/infer", {"inputs": [
        {"name": "input_1", "datatype": "FP32", "shape": [2, 32, 32, 3], "data": x.ravel().tolist()},
    ]})
    scores = x.reshape(2, -1) @ cifar10_weights()
    want = np.exp(scores - scores.max(axis=1, keepdims=True))
    want /= want.sum(axis=1, keepdims=True)
    assert np.max(np.abs(output(reply, "fc10") - want)) <= 1e-5, reply


def check_gpt2(engine, _model):
    # A graph of several models is called at /v2/models/infer, as upstream's GPT-2 example does:
    # a model name in the path would override every node's name (the executor's rule), and
    # neither `gpt2` nor the decoder is called `tokeniser-encoder`.
    text = "Seldon Technologies is very"
    reply = post(f"{engine}/v2/models/infer", {"inputs": [
        {"name": "sentences", "datatype": "BYTES", "shape": [1], "data": [text]},
    ]})
    # The last byte's successor, through encoder -> gpt2 -> decoder.
    assert output(reply, "next_token").ravel().tolist() == [chr(ord(text[-1]) + 1)], reply


def tokeniser_dir():
    path = os.path.join(work, "tokeniser")
    os.makedirs(path, exist_ok=True)
    shutil.copy(os.path.join(root, "scripts", "conformance", "gpt2_tokeniser.py"), path)
    with open(os.path.join(path, "model-settings.json"), "w") as out:
        # No name: MLServer takes it from MLSERVER_MODEL_NAME, which the sdep sets per unit.
        json.dump({"implementation": "gpt2_tokeniser.Tokeniser"}, out)
    return path


built = os.path.join(work, "repository")
gpt2_repository(built)
cifar10_repository(built)
tokeniser = tokeniser_dir()
serve_tokeniser = (
    f"MLSERVER_HOST=127.0.0.1 MLSERVER_PARALLEL_WORKERS=0 MLSERVER_METRICS_ENDPOINT= "
    f"'{mlserver}' start '{tokeniser}'"
)

# corpus file -> (local repository, check, model name in the request path, --exec flags, note)
CASES = {
    "servers__triton__samples__simple.yaml":
        (os.path.join(root, "examples", "triton-simple", "models"), check_simple, "simple", [], ""),
    "executor__samples__local__v2__model.yaml":
        (os.path.join(root, "examples", "triton-simple", "models"), check_simple, "simple", [], ""),
    "examples__mnist_triton_e2e__deployment.yaml":
        (os.path.join(root, "examples", "triton-onnx-mnist", "models"), check_mnist, "mnist", [], ""),
    "examples__transformers__v2-protocol__seldondeployment.yaml":
        (built, check_gpt2, "tokeniser-encoder",
         ["--exec", f"tokeniser-encoder={serve_tokeniser}", "--exec", f"tokeniser-decoder={serve_tokeniser}"],
         "tokenisers: a byte-level stand-in on the real MLServer"),
    "testing__resources__tf_cifar_anchor_image_explainer_v2.yaml":
        (built, check_cifar10, "cifar10", [], "predictor only: " + EXPLAINER_REASON),
}


def nodes(graph):
    yield graph
    for child in graph.get("children") or []:
        yield from nodes(child)


rows = []
for name in sorted(os.listdir(corpus)):
    if not name.endswith((".yaml", ".yml", ".json")):
        continue
    with open(os.path.join(corpus, name)) as handle:
        try:
            documents = [d for d in yaml.safe_load_all(handle) if isinstance(d, dict)]
        except yaml.YAMLError:
            continue
    for sdep in documents:
        if sdep.get("kind") != "SeldonDeployment":
            continue
        units = [n for p in sdep.get("spec", {}).get("predictors") or [] for n in nodes(p.get("graph") or {})]
        if not any(n.get("implementation") == "TRITON_SERVER" for n in units):
            continue
        if name not in CASES:
            rows.append((name, "no", "no", "no local repository for this deployment"))
            continue
        repository, check, model, extra, note = CASES[name]
        for node in units:
            if node.get("implementation") == "TRITON_SERVER":
                node["modelUri"] = repository
        for predictor in sdep["spec"]["predictors"]:
            predictor.pop("explainer", None)
        path = os.path.join(work, name)
        with open(path, "w") as out:
            yaml.safe_dump(sdep, out)
        up = subprocess.run(
            [binary, "up", "--runtime", "embedded", "-d", "-o", "json", "--timeout", "180", path, *extra],
            capture_output=True, text=True,
        )
        if up.returncode != 0:
            lines = [l.strip() for l in up.stderr.splitlines() if l.strip()]
            reason = (lines[-1] if lines else "?")[:200]
            print(f"NOT RUN  {name}: {reason}", flush=True)
            rows.append((name, "no", "no", reason))
            continue
        running = json.loads(up.stdout)
        answered = "no"
        try:
            for deployment in running:
                engine = next(e["address"] for e in deployment["endpoints"]
                              if e["name"] == "engine" and e["protocol"] == "rest")
                check(engine, model)
            answered = "yes"
            print(f"OK       {name}" + (f" ({note})" if note else ""), flush=True)
        except Exception as error:  # noqa: BLE001 - reported, counted as not answered
            note = f"{type(error).__name__}: {error}"[:300]
            print(f"NO ANSWER {name}: {note}", flush=True)
        finally:
            for deployment in running:
                subprocess.run([binary, "down", deployment["deployment"]], capture_output=True)
        rows.append((name, "yes", answered, note))

print()
print(f"{'DEPLOYMENT':60} {'RUN':>4} {'ANSWERED':>8}  NOTE")
for name, run, answered, note in rows:
    print(f"{name:60} {run:>4} {answered:>8}  {note}")
passed = sum(1 for r in rows if r[2] == "yes")
print(f"{passed} passed, {len(rows) - passed} failed")
sys.exit(0 if passed == len(rows) else 1)
