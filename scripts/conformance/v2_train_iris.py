"""Trains a small sklearn classifier on iris for the V2 gRPC conformance run and writes what
MLServer needs to serve it (model.joblib, model-settings.json) plus the expected answers.

usage: v2_train_iris.py MODEL_DIR EXPECTED_JSON
"""

import json
import sys
from pathlib import Path

import joblib
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

model_dir, expected_path = Path(sys.argv[1]), Path(sys.argv[2])
model_dir.mkdir(parents=True, exist_ok=True)
X, y = load_iris(return_X_y=True)
model = LogisticRegression(max_iter=500).fit(X, y)
joblib.dump(model, model_dir / "model.joblib")
settings = {
    "name": "iris",
    "implementation": "mlserver_sklearn.SKLearnModel",
    "parameters": {"uri": "./model.joblib", "version": "v1"},
    "inputs": [{"name": "input-0", "datatype": "FP64", "shape": [-1, 4]}],
    "outputs": [{"name": "predict", "datatype": "INT64", "shape": [-1, 1]}],
}
(model_dir / "model-settings.json").write_text(json.dumps(settings, indent=2))
rows = X[::15]
expected = {
    "inputs": rows.tolist(),
    "predict": model.predict(rows).tolist(),
    "predict_proba": model.predict_proba(rows).tolist(),
}
expected_path.write_text(json.dumps(expected))
