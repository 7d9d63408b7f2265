"""An MLflow pyfunc model (MLFLOW_SERVER): upstream's wine-quality ElasticNet regression, over
scikit-learn's wine data set (13 features; the target is the cultivar, 0-2, as a number), logged
with `mlflow.sklearn.save_model` as the directory model/ (MLmodel, model.pkl, requirements.txt).

Trained on 148 of the 178 rows; the other 30 (fixed seed) are written to heldout.json for the
conformance check. Run by scripts/make-python-examples.sh.
"""

import json
import os
import shutil

import mlflow.sklearn
from mlflow.models import infer_signature
from sklearn import datasets
from sklearn.linear_model import ElasticNet
from sklearn.model_selection import train_test_split

here = os.path.dirname(os.path.abspath(__file__))
wine = datasets.load_wine()
X_train, X_test, y_train, y_test = train_test_split(
    wine.data, wine.target.astype(float), test_size=30, random_state=7
)
model = ElasticNet(alpha=0.05, l1_ratio=0.5, random_state=7, max_iter=10000)
model.fit(X_train, y_train)
target = os.path.join(here, "model")
shutil.rmtree(target, ignore_errors=True)
mlflow.sklearn.save_model(
    model, target, signature=infer_signature(X_train, model.predict(X_train))
)
with open(os.path.join(here, "heldout.json"), "w") as out:
    json.dump({"names": wine.feature_names, "ndarray": X_test.tolist(), "labels": y_test.tolist()}, out)
    out.write("\n")
print(f"R^2 on the held-out rows: {model.score(X_test, y_test):.3f}")
