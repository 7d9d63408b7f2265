"""An XGBoost iris classifier (XGBOOST_SERVER): a `multi:softprob` booster over the four iris
features, saved with `Booster.save_model` as model/model.bst.

Trained on 120 of the 150 iris rows; the other 30 (stratified, fixed seed) are written to
heldout.json for the conformance check. Run by scripts/make-python-examples.sh.
"""

import json
import os

import xgboost
from sklearn import datasets
from sklearn.model_selection import train_test_split

here = os.path.dirname(os.path.abspath(__file__))
iris = datasets.load_iris()
X_train, X_test, y_train, y_test = train_test_split(
    iris.data, iris.target, test_size=30, random_state=7, stratify=iris.target
)
params = {"objective": "multi:softprob", "num_class": 3, "max_depth": 3, "eta": 0.3, "seed": 7}
booster = xgboost.train(params, xgboost.DMatrix(X_train, label=y_train), num_boost_round=20)
os.makedirs(os.path.join(here, "model"), exist_ok=True)
booster.save_model(os.path.join(here, "model", "model.bst"))
with open(os.path.join(here, "heldout.json"), "w") as out:
    json.dump({"names": iris.feature_names, "ndarray": X_test.tolist(), "labels": y_test.tolist()}, out)
    out.write("\n")
accuracy = (booster.predict(xgboost.DMatrix(X_test)).argmax(axis=1) == y_test).mean()
print(f"accuracy on the held-out rows: {accuracy:.3f}")
