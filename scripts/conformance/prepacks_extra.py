"""Conformance of the v2-only Python prepacks on the embedded runtime: LIGHTGBM_SERVER (where
`--config` adds it, examples/lightgbm-iris) and HUGGINGFACE_SERVER (examples/huggingface-text,
opt-in: its environment is several GB), played by the real MLServer 1.7.1 with their runtimes;
and TEMPO_SERVER, which must fail at once saying why.

LightGBM: `prepare`, `up --runtime embedded -d`, then every held-out row (one V2 request per
row, and all rows in one) through the engine, compared with LightGBM's own `Booster.predict` made
here from the same model file: MLServer answers FP64, and the check is max abs difference
<= 1e-9 (the figure is printed). Then `up` offline after `prepare` serves, and with an empty
cache fails fast naming `seldon-local prepare`.

Hugging Face (SELDON_LOCAL_HF_CONFORMANCE=1): every held-out sentence through the engine equals
the transformers pipeline's own answer (label exactly, score within 1e-9), the pipeline run
directly in the environment seldon-local built. Without the variable it is reported as skipped.

Ends with `N passed, M failed`. Usage: prepacks_extra.py BINARY ROOT
"""

import glob
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

import numpy as np

TOLERANCE = 1e-9

binary, root = sys.argv[1], sys.argv[2]
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'PASS' if ok else 'FAIL'} {name}{': ' + detail if detail and not ok else ''}", flush=True)
    return ok


def run(*args, env=None, check_rc=True):
    done = subprocess.run([binary, *args], capture_output=True, text=True, env=env)
    if check_rc and done.returncode != 0:
        raise RuntimeError(f"`seldon-local {' '.join(args)}` exited {done.returncode}:\n{done.stderr[-3000:]}")
    return done


def post(url, body):
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as answer:
        return json.load(answer)


def get(url):
    with urllib.request.urlopen(url, timeout=60) as answer:
        return json.load(answer)


def engine_of(running):
    return next(
        e["address"] for e in running[0]["endpoints"] if e["name"] == "engine" and e["protocol"] == "rest"
    )


def v2_rows(rows):
    rows = np.asarray(rows, dtype=np.float64)
    return {"inputs": [{"name": "predict", "shape": list(rows.shape), "datatype": "FP64", "data": rows.ravel().tolist()}]}


def answer_of(response):
    output = response["outputs"][0]
    return output["datatype"], np.asarray(output["data"], dtype=np.float64).reshape(output["shape"])


def lightgbm():
    import lightgbm as lgb

    directory = os.path.join(root, "examples", "lightgbm-iris")
    sdep = os.path.join(directory, "sdep-v2.yaml")
    config = os.path.join(directory, "config", "seldon-config.yaml")
    with open(os.path.join(directory, "heldout.json")) as handle:
        X = np.asarray(json.load(handle)["ndarray"], dtype=np.float64)
    expected = lgb.Booster(model_file=os.path.join(directory, "model", "model.bst")).predict(X)
    tag = "lightgbm-iris/sdep-v2.yaml"
    run("prepare", "--config", config, sdep)
    running = json.loads(run("up", "--config", config, "--runtime", "embedded", "-d", "-o", "json", sdep).stdout)
    try:
        infer = f"{engine_of(running)}/v2/models/classifier/infer"
        worst, types, shapes_ok = 0.0, set(), True
        for i, row in enumerate(X):
            datatype, got = answer_of(post(infer, v2_rows([row])))
            types.add(datatype)
            if got.shape != expected[i : i + 1].shape:
                shapes_ok = False
                break
            worst = max(worst, float(np.max(np.abs(got - expected[i : i + 1]))))
        check(
            f"{tag}: {len(X)} held-out rows one by one equal LightGBM's predict "
            f"(answered {'/'.join(sorted(types))}, max abs diff {worst:g})",
            shapes_ok and worst <= TOLERANCE and types == {"FP64"},
            f"types {types}, shapes ok {shapes_ok}, max abs diff {worst:g}",
        )
        datatype, got = answer_of(post(infer, v2_rows(X)))
        diff = float(np.max(np.abs(got - expected))) if got.shape == expected.shape else float("inf")
        check(f"{tag}: the held-out set in one request (max abs diff {diff:g})", diff <= TOLERANCE, f"{got.shape}")
        metadata = get(f"{engine_of(running)}/v2/models/classifier")
        check(f"{tag}: the model's metadata names it", metadata.get("name") == "classifier", json.dumps(metadata))
    finally:
        run("down", running[0]["deployment"], check_rc=False)

    dead = dict(os.environ, PIP_INDEX_URL="http://127.0.0.1:9/simple", UV_INDEX_URL="http://127.0.0.1:9/simple")
    up = run("up", "--config", config, "--runtime", "embedded", "-d", "-o", "json", sdep, env=dead, check_rc=False)
    check("lightgbm-iris: offline `up` after `prepare` serves", up.returncode == 0, up.stderr[-2000:])
    if up.returncode == 0:
        run("down", json.loads(up.stdout)[0]["deployment"], check_rc=False)
    with tempfile.TemporaryDirectory() as empty:
        started = time.monotonic()
        cold = run(
            "up", "--config", config, "--runtime", "embedded", "-d", sdep,
            env=dict(dead, SELDON_LOCAL_CACHE_DIR=empty), check_rc=False,
        )
        took = time.monotonic() - started
        check(
            f"lightgbm-iris: offline `up` with an empty cache fails fast naming `seldon-local prepare` ({took:.1f}s)",
            cold.returncode != 0 and "seldon-local prepare" in cold.stderr and took < 30,
            cold.stderr[-2000:],
        )


def tempo():
    text = (
        "apiVersion: machinelearning.seldon.io/v1\nkind: SeldonDeployment\nmetadata: {name: tempo}\n"
        "spec:\n  protocol: v2\n  predictors:\n  - name: default\n"
        "    graph: {name: pipeline, implementation: TEMPO_SERVER, modelUri: ./model}\n"
    )
    with tempfile.TemporaryDirectory() as directory:
        sdep = os.path.join(directory, "tempo.yaml")
        os.makedirs(os.path.join(directory, "model"))
        with open(sdep, "w") as handle:
            handle.write(text)
        started = time.monotonic()
        up = run("up", "--runtime", "embedded", "-d", sdep, check_rc=False)
        took = time.monotonic() - started
    check(
        f"TEMPO_SERVER: `up` fails at once naming why and what to use instead ({took:.1f}s)",
        up.returncode != 0 and "pydantic" in up.stderr and "--runtime docker" in up.stderr and took < 10,
        up.stderr[-2000:],
    )


def huggingface_expected(python, model_dir, sentences):
    code = (
        "import json, sys\n"
        "from transformers import pipeline\n"
        "model, sentences = sys.argv[1], json.loads(sys.argv[2])\n"
        "classify = pipeline('text-classification', model=model, tokenizer=model, device=-1)\n"
        "print(json.dumps([classify(s)[0] for s in sentences]))\n"
    )
    done = subprocess.run(
        [python, "-c", code, model_dir, json.dumps(sentences)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def huggingface():
    directory = os.path.join(root, "examples", "huggingface-text")
    sdep = os.path.join(directory, "sdep-v2.yaml")
    model_dir = os.path.join(directory, "model")
    with open(os.path.join(directory, "heldout.json")) as handle:
        sentences = json.load(handle)["sentences"]
    tag = "huggingface-text/sdep-v2.yaml"
    started = time.monotonic()
    run("prepare", sdep)
    print(f"huggingface environment ready in {time.monotonic() - started:.0f}s", file=sys.stderr)
    cache = os.environ["SELDON_LOCAL_CACHE_DIR"]
    pythons = sorted(glob.glob(os.path.join(cache, "python", "envs", "huggingface-*", "bin", "python")))
    if not pythons:
        return check(f"{tag}: seldon-local's environment is in {cache}", False)
    expected = huggingface_expected(pythons[-1], model_dir, sentences)
    running = json.loads(run("up", "--runtime", "embedded", "-d", "-o", "json", "--timeout", "600", sdep).stdout)
    try:
        infer = f"{engine_of(running)}/v2/models/classifier/infer"
        worst, labels_ok, got_all = 0.0, True, []
        for sentence, want in zip(sentences, expected):
            response = post(infer, {"inputs": [{"name": "args", "shape": [1], "datatype": "BYTES", "data": [sentence]}]})
            data = response["outputs"][0]["data"]
            got = [json.loads(item) if isinstance(item, str) else item for item in data]
            got = got[0] if isinstance(got[0], dict) else got[0][0]
            got_all.append(got)
            labels_ok &= got["label"] == want["label"]
            worst = max(worst, abs(float(got["score"]) - float(want["score"])))
        check(
            f"{tag}: {len(sentences)} sentences through the engine equal the pipeline's own answer "
            f"(labels exact, max score diff {worst:g})",
            labels_ok and worst <= TOLERANCE,
            f"got {got_all}, expected {expected}",
        )
        check(
            f"{tag}: the untrained model is not constant (both labels appear)",
            len({e["label"] for e in expected}) == 2,
            f"{expected}",
        )
    finally:
        run("down", running[0]["deployment"], check_rc=False)


for name, step in [("lightgbm", lightgbm), ("tempo", tempo)]:
    try:
        step()
    except Exception as error:  # a failed step is one failure, the rest still run
        check(name, False, str(error))
if os.environ.get("SELDON_LOCAL_HF_CONFORMANCE") == "1":
    try:
        huggingface()
    except Exception as error:
        check("huggingface", False, str(error))
else:
    print("SKIP huggingface-text: its environment (PyTorch and TensorFlow, several GB) is built only "
          "with SELDON_LOCAL_HF_CONFORMANCE=1", flush=True)

passed = sum(results)
failed = len(results) - passed
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
