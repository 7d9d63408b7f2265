"""seldon-local's SKLEARN_SERVER unit: a joblib-saved scikit-learn estimator (`model.joblib`).

The `method` parameter picks the estimator method called on the request's features:
`predict_proba` (the default), `predict`, or `decision_function`. Names come from the wrapper
(`t:0`, `t:1`, ... for a two-dimensional answer), as the upstream image gives them.
"""

import logging
import os

import joblib

import seldon_local_common as common

log = logging.getLogger(__name__)

MODEL_FILE = "model.joblib"
METHODS = ("predict_proba", "predict", "decision_function")


class SKLearnServer:
    def __init__(self, model_uri=None, method="predict_proba"):
        if method not in METHODS:
            raise ValueError(f"method {method!r} is not one of {', '.join(METHODS)}")
        self.model_uri = model_uri
        self.method = method
        self.model = None

    def load(self):
        path = os.path.join(common.model_dir(self.model_uri), MODEL_FILE)
        log.info("loading %s (method %s)", path, self.method)
        self.model = joblib.load(path)

    def predict(self, X, names=None, meta=None):
        if self.model is None:
            self.load()
        return getattr(self.model, self.method)(X)

    def init_metadata(self):
        return common.read_metadata(self.model_uri)
