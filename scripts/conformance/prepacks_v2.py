"""Conformance of the v2 prepackaged servers (SKLEARN, XGBOOST, MLFLOW on `protocol: v2`, played
by the real MLServer 1.7.1 with mlserver-sklearn, -xgboost, -mlflow) on the embedded runtime.

For each example's sdep-v2.yaml: `prepare`, `up --runtime embedded -d`, then every held-out row
through the engine with a V2 REST infer (one request per row, and all rows in one request) and,
where the engine serves gRPC, with the V2 gRPC `ModelInfer` (scripts/conformance/v2_grpc_rows.py,
run by the Python that has tritonclient), compared with the framework's own prediction made here
from the same model files:
- scikit-learn: MLServer's default output `predict` (labels, exact) and the `predict_proba`
  output the request asks for (max abs difference <= 1e-9);
- XGBoost: MLServer's `predict` is the booster's float32 output (mlserver-xgboost loads a
  `Booster.save_model` file as an `XGBRegressor`, whose `predict` is the booster's raw
  `multi:softprob` probabilities): compared with `Booster.predict` here, also float32, exactly;
- MLflow: the pyfunc's `predict` (max abs difference <= 1e-9).
Each answer through the engine is also the very JSON MLServer gives when asked directly (the
request carries an `id`, so nothing differs), and the model metadata through the engine is
MLServer's own. Then offline: `up` after `prepare` with the index at a dead address serves, and
with an empty cache fails fast naming `seldon-local prepare`. Ends with `N passed, M failed`.

Usage: prepacks_v2.py BINARY ROOT GRPC_PYTHON [EXAMPLE...]
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import numpy as np

TOLERANCE = 1e-9

binary, root, grpc_python = sys.argv[1], sys.argv[2], sys.argv[3]
only = sys.argv[4:]
results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(f"{'PASS' if ok else 'FAIL'} {name}{': ' + detail if detail and not ok else ''}", flush=True)
    return ok


def run(*args, env=None, check_rc=True):
    done = subprocess.run([binary, *args], capture_output=True, text=True, env=env)
    if check_rc and done.returncode != 0:
        raise RuntimeError(f"`seldon-local {' '.join(args)}` exited {done.returncode}:\n{done.stderr}")
    return done


def call(url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def sklearn_expected(model_dir, X):
    import joblib

    model = joblib.load(os.path.join(model_dir, "model.joblib"))
    return [
        # (what, requested outputs, expected output name, datatype, expected, labels)
        ("labels (default output)", None, "predict", "INT64", np.asarray(model.predict(X)), True),
        ("probabilities", [{"name": "predict_proba"}], "predict_proba", "FP64",
         np.asarray(model.predict_proba(X)), False),
    ]


def xgboost_expected(model_dir, X):
    import xgboost

    booster = xgboost.Booster(model_file=os.path.join(model_dir, "model.bst"))
    probabilities = np.asarray(booster.predict(xgboost.DMatrix(X)))
    assert probabilities.dtype == np.float32
    return [("float32 probabilities (default output)", None, "predict", "FP32", probabilities, "fp32")]


def mlflow_expected(model_dir, X):
    import mlflow.pyfunc

    predicted = np.asarray(mlflow.pyfunc.load_model(model_dir).predict(X))
    return [("pyfunc predictions", None, None, "FP64", predicted, False)]


EXAMPLES = {
    "sklearn-iris": sklearn_expected,
    "xgboost-iris": xgboost_expected,
    "mlflow-wine": mlflow_expected,
}


def infer_body(rows, outputs, request_id):
    body = {
        "id": request_id,
        "inputs": [{"name": "input-0", "shape": list(rows.shape), "datatype": "FP64", "data": rows.ravel().tolist()}],
    }
    if outputs:
        body["outputs"] = outputs
    return body


def differs(got, want, labels):
    """None when `got` (an output's data) equals `want` as the check demands, else the reason."""
    got = np.asarray(got)
    if got.size != want.size:
        return f"{got.size} values, expected {want.size}"
    got = got.reshape(want.shape)
    if labels is True:
        return None if np.array_equal(got.astype(want.dtype), want) else f"{got} != {want}"
    if labels == "fp32":
        # The float32 values, exactly: JSON carries them as decimal doubles.
        if np.array_equal(got.astype(np.float32), want):
            return None
        return f"max abs diff {float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)))):g}"
    diff = float(np.max(np.abs(got.astype(np.float64) - want))) if got.size else 0.0
    return None if diff <= TOLERANCE else f"max abs diff {diff:g}"


def one(example):
    expected_of = EXAMPLES[example]
    directory = os.path.join(root, "examples", example)
    sdep = os.path.join(directory, "sdep-v2.yaml")
    with open(os.path.join(directory, "heldout.json")) as handle:
        heldout = json.load(handle)
    X = np.asarray(heldout["ndarray"], dtype=np.float64)
    cases = expected_of(os.path.join(directory, "model"), X)
    tag = f"{example}/sdep-v2.yaml"

    run("prepare", sdep)
    up = run("up", "--runtime", "embedded", "-d", "-o", "json", sdep)
    running = json.loads(up.stdout)
    deployment = running[0]["deployment"]
    try:
        endpoints = {(e["name"], e["protocol"]): e["address"] for e in running[0]["endpoints"]}
        engine = endpoints[("engine", "rest")]
        unit = endpoints[("classifier", "rest")]
        infer = "/v2/models/classifier/infer"
        status, _ = call(f"{engine}/v2/models/classifier/ready")
        check(f"{tag}: the model is ready through the engine", status == 200, f"status {status}")

        grpc_cases = []
        for what, outputs, name, datatype, want, labels in cases:
            worst = None
            for i, row in enumerate(X):
                status, answer = call(engine + infer, infer_body(X[i : i + 1], outputs, f"row-{i}"))
                if status != 200:
                    worst = f"row {i}: status {status}: {answer}"
                    break
                worst = differs(answer["outputs"][0]["data"], want[i : i + 1], labels)
                if worst:
                    worst = f"row {i}: {worst}"
                    break
            check(f"{tag}: {len(X)} held-out rows one by one, {what}, equal the framework's", worst is None, worst or "")

            body = infer_body(X, outputs, "heldout")
            status, batch = call(engine + infer, body)
            if not check(f"{tag}: the held-out set in one request answers 200", status == 200, f"{status}: {batch}"):
                continue
            output = batch["outputs"][0]
            problem = differs(output["data"], want, labels)
            check(f"{tag}: the held-out set in one request, {what}, equals the framework's", problem is None, problem or "")
            check(
                f"{tag}: one output{f' `{name}`' if name else ''} of {datatype} for {len(X)} rows, model_name `classifier`",
                len(batch["outputs"]) == 1
                and (name is None or output["name"] == name)
                and output["datatype"] == datatype
                and output["shape"][0] == len(X)
                and batch["model_name"] == "classifier",
                json.dumps({k: v for k, v in batch.items() if k != "outputs"} | {"output": {k: v for k, v in output.items() if k != "data"}}),
            )
            direct_status, direct = call(unit + infer, body)
            check(
                f"{tag}: the engine's answer ({what}) is MLServer's own, asked directly",
                direct_status == 200 and direct == batch,
                f"engine {json.dumps(batch)[:600]}\ndirect {json.dumps(direct)[:600]}",
            )
            grpc_cases.append(
                {
                    "what": what,
                    "outputs": [o["name"] for o in outputs or []],
                    "name": output["name"],
                    "datatype": datatype,
                    "expected": want.tolist(),
                    "expected_dtype": str(want.dtype),
                    "labels": labels,
                }
            )

        status, metadata = call(f"{engine}/v2/models/classifier")
        direct_status, direct_metadata = call(f"{unit}/v2/models/classifier")
        check(
            f"{tag}: the model metadata through the engine is MLServer's own, named `classifier`",
            status == 200 and direct_status == 200 and metadata == direct_metadata and metadata.get("name") == "classifier",
            f"engine {metadata}\ndirect {direct_metadata}",
        )
        if example == "mlflow-wine":
            # mlserver-mlflow describes the model by its MLflow signature (13 FP64 features).
            inputs = [(i.get("datatype"), i.get("shape")) for i in metadata.get("inputs", [])]
            check(f"{tag}: the metadata's inputs are the MLflow signature's", inputs == [("FP64", [-1, 13])], json.dumps(metadata))

        grpc = endpoints.get(("engine", "grpc"))
        if grpc is None:
            check(f"{tag}: the engine serves gRPC", False, f"no gRPC endpoint in {running[0]['endpoints']}")
        else:
            with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as spec:
                json.dump({"rows": X.tolist(), "cases": grpc_cases, "metadata": metadata, "tag": tag,
                           "deployment": deployment, "tolerance": TOLERANCE}, spec)
            try:
                done = subprocess.run(
                    [grpc_python, os.path.join(root, "scripts", "conformance", "v2_grpc_rows.py"), grpc, spec.name],
                    capture_output=True, text=True,
                )
            finally:
                os.unlink(spec.name)
            lines = [line for line in done.stdout.splitlines() if line.startswith(("PASS ", "FAIL "))]
            for line in lines:
                ok, _, text = line.partition(" ")
                results.append(ok == "PASS")
                print(line, flush=True)
            if done.returncode != 0 and not any(l.startswith("FAIL") for l in lines):
                check(f"{tag}: the gRPC checks ran", False, done.stderr[-2000:])
    finally:
        run("down", deployment, check_rc=False)


def offline(example):
    """With the index at a dead address: `up` works after `prepare`; with an empty cache it
    fails at once naming `prepare`."""
    sdep = os.path.join(root, "examples", example, "sdep-v2.yaml")
    tag = f"{example}/sdep-v2.yaml"
    dead = dict(os.environ, PIP_INDEX_URL="http://127.0.0.1:9/simple", UV_INDEX_URL="http://127.0.0.1:9/simple")
    up = run("up", "--runtime", "embedded", "-d", "-o", "json", sdep, env=dead, check_rc=False)
    ok = up.returncode == 0
    check(f"{tag}: offline `up` after `prepare` serves", ok, up.stderr[-2000:])
    if ok:
        run("down", json.loads(up.stdout)[0]["deployment"], check_rc=False)
    with tempfile.TemporaryDirectory() as empty:
        started = time.monotonic()
        cold = run("up", "--runtime", "embedded", "-d", sdep, env=dict(dead, SELDON_LOCAL_CACHE_DIR=empty), check_rc=False)
        took = time.monotonic() - started
        check(
            f"{tag}: offline `up` with an empty cache fails fast naming `seldon-local prepare` ({took:.1f}s)",
            cold.returncode != 0 and "seldon-local prepare" in cold.stderr and took < 30,
            cold.stderr[-2000:],
        )


for example in only or list(EXAMPLES):
    try:
        one(example)
    except Exception as error:  # a failed step is one failure, the rest still run
        check(f"{example}/sdep-v2.yaml", False, f"{type(error).__name__}: {error}")
    try:
        offline(example)
    except Exception as error:
        check(f"{example}/sdep-v2.yaml: offline", False, str(error))

passed = sum(results)
failed = len(results) - passed
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
