"""Conformance of the Python-backed prepackaged servers on the embedded runtime.

For each example (examples/sklearn-iris, xgboost-iris, mlflow-wine) and each of its sdeps:
`prepare`, `up --runtime embedded -d`, then every held-out row (one request per row, and all
rows in one request) through the engine, compared with the framework's own prediction made
here, in Python, from the same model files: max abs difference <= 1e-9 for probabilities and
values, exact labels. Names, meta.requestPath and the unit's metadata (from the model's
metadata.yaml) are checked as upstream's servers and executor give them. Ends with
`N passed, M failed`.

Usage: prepacks.py BINARY ROOT [EXAMPLE...]
"""

import json
import os
import subprocess
import sys
import urllib.request

import numpy as np

TOLERANCE = 1e-9

binary, root = sys.argv[1], sys.argv[2]
only = sys.argv[3:]
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'PASS' if ok else 'FAIL'} {name}{': ' + detail if detail and not ok else ''}", flush=True)
    return ok


def run(*args, env=None, check_rc=True):
    done = subprocess.run([binary, *args], capture_output=True, text=True, env=env)
    if check_rc and done.returncode != 0:
        raise RuntimeError(f"`seldon-local {' '.join(args)}` exited {done.returncode}:\n{done.stderr}")
    return done


def post(url, body):
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.load(answer)


def get(url):
    with urllib.request.urlopen(url, timeout=60) as answer:
        return json.load(answer)


def sklearn_expected(model_dir, X, method):
    import joblib

    model = joblib.load(os.path.join(model_dir, "model.joblib"))
    return np.asarray(getattr(model, method)(X))


def xgboost_expected(model_dir, X, _method):
    import xgboost

    booster = xgboost.Booster(model_file=os.path.join(model_dir, "model.bst"))
    return np.asarray(booster.predict(xgboost.DMatrix(X)))


def mlflow_expected(model_dir, X, _method):
    import mlflow.pyfunc

    return np.asarray(mlflow.pyfunc.load_model(model_dir).predict(X))


EXAMPLES = {
    "sklearn-iris": (sklearn_expected, ["sdep.yaml", "sdep-predict.yaml"]),
    "xgboost-iris": (xgboost_expected, ["sdep.yaml"]),
    "mlflow-wine": (mlflow_expected, ["sdep.yaml"]),
}


def method_of(sdep_text):
    return "predict" if "value: predict\n" in sdep_text else "predict_proba"


def compare(name, got, expected, labels):
    got = np.asarray(got, dtype=float)
    if got.shape != expected.shape:
        return check(name, False, f"shape {got.shape}, expected {expected.shape}")
    if labels:
        return check(name, bool(np.array_equal(got, expected)), f"{got} != {expected}")
    diff = float(np.max(np.abs(got - expected))) if got.size else 0.0
    return check(name, diff <= TOLERANCE, f"max abs diff {diff:g}")


def names_for(expected):
    # The wrapper's own names for a two-dimensional answer without class names.
    return [f"t:{i}" for i in range(expected.shape[1])] if expected.ndim > 1 else []


def metadata_expected(model_dir):
    import yaml

    path = os.path.join(model_dir, "metadata.yaml")
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return yaml.safe_load(handle)


def one(example, sdep_name):
    expected_of, _ = EXAMPLES[example]
    directory = os.path.join(root, "examples", example)
    sdep = os.path.join(directory, sdep_name)
    with open(sdep) as handle:
        text = handle.read()
    method = method_of(text)
    labels = example == "sklearn-iris" and method == "predict"
    with open(os.path.join(directory, "heldout.json")) as handle:
        heldout = json.load(handle)
    X = np.asarray(heldout["ndarray"])
    model_dir = os.path.join(directory, "model")
    expected = expected_of(model_dir, X, method)
    tag = f"{example}/{sdep_name}"

    run("prepare", sdep)
    up = run("up", "--runtime", "embedded", "-d", "-o", "json", sdep)
    running = json.loads(up.stdout)
    deployment = running[0]["deployment"]
    try:
        engine = next(
            e["address"]
            for e in running[0]["endpoints"]
            if e["name"] == "engine" and e["protocol"] == "rest"
        )
        predictions = f"{engine}/api/v1.0/predictions"
        rows_ok = True
        worst = 0.0
        for i, row in enumerate(X):
            answer = post(predictions, {"data": {"names": heldout["names"], "ndarray": [row.tolist()]}})
            got = np.asarray(answer["data"]["ndarray"], dtype=float)
            want = expected[i : i + 1]
            if got.shape != want.shape:
                rows_ok = False
                break
            if labels:
                rows_ok &= bool(np.array_equal(got, want))
            else:
                worst = max(worst, float(np.max(np.abs(got - want))))
        check(
            f"{tag}: {len(X)} held-out rows one by one equal the framework's prediction",
            rows_ok and worst <= TOLERANCE,
            f"max abs diff {worst:g}",
        )
        batch = post(predictions, {"data": {"names": heldout["names"], "ndarray": X.tolist()}})
        compare(f"{tag}: the held-out set in one request", batch["data"]["ndarray"], expected, labels)
        check(
            f"{tag}: names as the wrapper gives them",
            batch["data"].get("names", []) == names_for(expected),
            f"{batch['data'].get('names')}",
        )
        request_path = batch.get("meta", {}).get("requestPath", {})
        check(
            f"{tag}: meta.requestPath names the unit and its upstream image",
            list(request_path) == ["classifier"] and request_path["classifier"].startswith("seldonio/"),
            f"{batch.get('meta')}",
        )
        if example == "sklearn-iris" and not labels:
            check(
                f"{tag}: probabilities sum to 1 and argmax is the held-out label mostly",
                np.allclose(np.asarray(batch["data"]["ndarray"]).sum(axis=1), 1.0)
                and (np.asarray(batch["data"]["ndarray"]).argmax(axis=1) == np.asarray(heldout["labels"])).mean() > 0.8,
            )
        wanted = metadata_expected(model_dir)
        if wanted is not None:
            metadata = get(f"{engine}/api/v1.0/metadata/classifier")
            keys = ["name", "versions", "platform", "inputs", "outputs"]
            check(
                f"{tag}: the unit's metadata is the model's metadata.yaml",
                all(metadata.get(k) == wanted.get(k) for k in keys if k in wanted),
                json.dumps(metadata),
            )
    finally:
        run("down", deployment, check_rc=False)


def offline(example):
    """With the index at a dead address: `up` works after `prepare`; with an empty cache it
    fails at once naming `prepare`."""
    sdep = os.path.join(root, "examples", example, "sdep.yaml")
    dead = dict(os.environ, PIP_INDEX_URL="http://127.0.0.1:9/simple", UV_INDEX_URL="http://127.0.0.1:9/simple")
    up = run("up", "--runtime", "embedded", "-d", "-o", "json", sdep, env=dead, check_rc=False)
    ok = up.returncode == 0
    check(f"{example}: offline `up` after `prepare` serves", ok, up.stderr[-2000:])
    if ok:
        run("down", json.loads(up.stdout)[0]["deployment"], check_rc=False)
    import tempfile
    import time

    with tempfile.TemporaryDirectory() as empty:
        started = time.monotonic()
        cold = run(
            "up", "--runtime", "embedded", "-d", sdep,
            env=dict(dead, SELDON_LOCAL_CACHE_DIR=empty), check_rc=False,
        )
        took = time.monotonic() - started
        check(
            f"{example}: offline `up` with an empty cache fails fast naming `seldon-local prepare` ({took:.1f}s)",
            cold.returncode != 0 and "seldon-local prepare" in cold.stderr and took < 30,
            cold.stderr[-2000:],
        )


for example in only or list(EXAMPLES):
    for sdep_name in EXAMPLES[example][1]:
        try:
            one(example, sdep_name)
        except Exception as error:  # a failed step is one failure, the rest still run
            check(f"{example}/{sdep_name}", False, str(error))
    try:
        offline(example)
    except Exception as error:
        check(f"{example}: offline", False, str(error))

passed = sum(results)
failed = len(results) - passed
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
