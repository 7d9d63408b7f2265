"""How many of the corpus's SKLEARN_SERVER, XGBOOST_SERVER, MLFLOW_SERVER, LIGHTGBM_SERVER and
HUGGINGFACE_SERVER deployments (Seldon Core 1.18.2) `up --runtime embedded` can run and answer,
with each such unit's modelUri pointed at the shipped example model of its kind (LIGHTGBM_SERVER
under examples/lightgbm-iris/config/seldon-config.yaml, which adds it, as upstream's example does).
Seldon-protocol deployments are asked a seldon prediction, v2 ones a V2 infer, through the
engine. Prints a table by prepack and protocol, then `N passed, M failed` (passed = ran and
answered a prediction through the engine).

Usage: corpus_prepacks.py BINARY ROOT CORPUS_DIR
"""

import collections
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

import yaml

binary, root, corpus = sys.argv[1:4]
MODELS = {
    "SKLEARN_SERVER": ("sklearn-iris", 4),
    "XGBOOST_SERVER": ("xgboost-iris", 4),
    "MLFLOW_SERVER": ("mlflow-wine", 13),
    "LIGHTGBM_SERVER": ("lightgbm-iris", 4),
    "HUGGINGFACE_SERVER": ("huggingface-text", 0),
}
CONFIG = {"LIGHTGBM_SERVER": os.path.join(root, "examples", "lightgbm-iris", "config", "seldon-config.yaml")}


def nodes(graph):
    yield graph
    for child in graph.get("children") or []:
        yield from nodes(child)


def prepack_of(sdep):
    for predictor in sdep.get("spec", {}).get("predictors") or []:
        for node in nodes(predictor.get("graph") or {}):
            if node.get("implementation") in MODELS:
                return node["implementation"]
    return None


def point_at_shipped_models(sdep):
    for predictor in sdep["spec"]["predictors"]:
        for node in nodes(predictor.get("graph") or {}):
            if node.get("implementation") in MODELS:
                example, _ = MODELS[node["implementation"]]
                node["modelUri"] = os.path.join(root, "examples", example, "model")


table = collections.defaultdict(lambda: collections.Counter())
reasons = collections.Counter()
for name in sorted(os.listdir(corpus)):
    if not name.endswith((".yaml", ".yml", ".json")):
        continue
    with open(os.path.join(corpus, name)) as handle:
        try:
            documents = [d for d in yaml.safe_load_all(handle) if isinstance(d, dict)]
        except yaml.YAMLError:
            continue
    for index, sdep in enumerate(documents):
        if sdep.get("kind") != "SeldonDeployment":
            continue
        prepack = prepack_of(sdep)
        if prepack is None:
            continue
        v2 = (sdep.get("spec", {}).get("protocol") or "seldon") in ("v2", "kfserving")
        row = table[(prepack, "v2" if v2 else "seldon")]
        row["deployments"] += 1
        point_at_shipped_models(sdep)
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as out:
            yaml.safe_dump(sdep, out)
            path = out.name
        label = f"{name}#{index}"
        try:
            config = ["--config", CONFIG[prepack]] if prepack in CONFIG else []
            up = subprocess.run(
                [binary, "up", *config, "--runtime", "embedded", "-d", "-o", "json", "--timeout", "120", path],
                capture_output=True, text=True,
            )
            if up.returncode != 0:
                lines = [l.strip() for l in up.stderr.strip().splitlines() if l.strip()]
                causes = [l for l in lines if "caused by:" in l or "cannot play" in l or l.startswith("error: ") and "background" not in l]
                reason = (causes[-1] if causes else lines[-1] if lines else "?")[:200]
                reasons[reason] += 1
                print(f"NOT RUN  {prepack:15} {label}: {reason}", flush=True)
                continue
            row["run"] += 1
            running = json.loads(up.stdout)
            answered = 0
            for deployment in running:
                engine = next(
                    (e["address"] for e in deployment["endpoints"] if e["name"] == "engine" and e["protocol"] == "rest"),
                    None,
                )
                if engine is None:
                    continue
                _, width = MODELS[prepack]
                row_values = [0.5 + i for i in range(width)]
                if v2:
                    graph = sdep["spec"]["predictors"][0]["graph"]["name"]
                    if width:
                        inputs = [{"name": "predict", "shape": [1, width], "datatype": "FP64", "data": row_values}]
                    else:
                        inputs = [{"name": "args", "shape": [1], "datatype": "BYTES", "data": ["a good film"]}]
                    url, body = f"{engine}/v2/models/{graph}/infer", {"inputs": inputs}
                else:
                    url, body = f"{engine}/api/v1.0/predictions", {"data": {"ndarray": [row_values]}}
                request = urllib.request.Request(
                    url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
                )
                try:
                    with urllib.request.urlopen(request, timeout=60) as answer:
                        answered += answer.status == 200
                except Exception as error:  # reported, counted as not answered
                    print(f"NO ANSWER {prepack:15} {label}: {error}", flush=True)
            for deployment in running:
                subprocess.run([binary, "down", deployment["deployment"]], capture_output=True)
            if answered and answered == len(running):
                row["answered"] += 1
                print(f"OK       {prepack:15} {label}", flush=True)
        finally:
            os.unlink(path)

print()
print(f"{'PREPACK':19} {'PROTOCOL':8} {'DEPLOYMENTS':>11} {'RUN':>5} {'ANSWERED':>8}")
for prepack, protocol in sorted(table):
    row = table[(prepack, protocol)]
    print(f"{prepack:19} {protocol:8} {row['deployments']:>11} {row['run']:>5} {row['answered']:>8}")
if reasons:
    print("\nwhy the others did not run:")
    for reason, count in reasons.most_common():
        print(f"  {count:3} {reason}")
passed = sum(r["answered"] for r in table.values())
total = sum(r["deployments"] for r in table.values())
print(f"{passed} passed, {total - passed} failed")
