"""The Seldon docs' iris classifier (SKLEARN_SERVER): a LogisticRegression, one-vs-rest with the
liblinear solver, in a Pipeline, saved with joblib as model/model.joblib.

Trained on 120 of the 150 iris rows; the other 30 (stratified, fixed seed) are written to
heldout.json for the conformance check. Run by scripts/make-python-examples.sh.
"""

import json
import os

import joblib
from sklearn import datasets
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline

here = os.path.dirname(os.path.abspath(__file__))
iris = datasets.load_iris()
X_train, X_test, y_train, y_test = train_test_split(
    iris.data, iris.target, test_size=30, random_state=7, stratify=iris.target
)
model = Pipeline([("clf", OneVsRestClassifier(LogisticRegression(solver="liblinear")))])
model.fit(X_train, y_train)
os.makedirs(os.path.join(here, "model"), exist_ok=True)
joblib.dump(model, os.path.join(here, "model", "model.joblib"))
with open(os.path.join(here, "heldout.json"), "w") as out:
    json.dump({"names": iris.feature_names, "ndarray": X_test.tolist(), "labels": y_test.tolist()}, out)
    out.write("\n")
print(f"accuracy on the held-out rows: {model.score(X_test, y_test):.3f}")
