"""A LightGBM iris classifier (LIGHTGBM_SERVER on v2, a server `--config` adds): a `multiclass`
booster over the four iris features, saved with `Booster.save_model` as model/model.bst, the
file name mlserver-lightgbm looks for (LightGBM's text model format, whose `version=v4` header
is the format's, not the package's). model/model-settings.json names the runtime, as upstream's
custom LightGBM server example does: the operator gives MLServer no implementation for a server
it does not know.

Trained on the same 120 of the 150 iris rows as examples/xgboost-iris; the other 30 (stratified,
fixed seed) are written to heldout.json for the conformance check. Run by
scripts/make-python-examples.sh.
"""

import json
import os

import lightgbm
from sklearn import datasets
from sklearn.model_selection import train_test_split

here = os.path.dirname(os.path.abspath(__file__))
iris = datasets.load_iris()
X_train, X_test, y_train, y_test = train_test_split(
    iris.data, iris.target, test_size=30, random_state=7, stratify=iris.target
)
params = {
    "objective": "multiclass",
    "num_class": 3,
    "num_leaves": 7,
    "min_data_in_leaf": 5,
    "learning_rate": 0.2,
    "seed": 7,
    "deterministic": True,
    "num_threads": 1,
    "verbosity": -1,
}
booster = lightgbm.train(params, lightgbm.Dataset(X_train, label=y_train), num_boost_round=20)
model_dir = os.path.join(here, "model")
os.makedirs(model_dir, exist_ok=True)
booster.save_model(os.path.join(model_dir, "model.bst"))
with open(os.path.join(model_dir, "model-settings.json"), "w") as out:
    json.dump({"implementation": "mlserver_lightgbm.LightGBMModel"}, out, indent=2)
    out.write("\n")
with open(os.path.join(here, "heldout.json"), "w") as out:
    json.dump({"names": iris.feature_names, "ndarray": X_test.tolist(), "labels": y_test.tolist()}, out)
    out.write("\n")
accuracy = (booster.predict(X_test).argmax(axis=1) == y_test).mean()
print(f"accuracy on the held-out rows: {accuracy:.3f}")
