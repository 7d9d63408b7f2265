"""seldon-local's XGBOOST_SERVER unit: an XGBoost booster saved as `model.bst`.

Answers the booster's `predict` over a DMatrix of the request's features (probabilities for a
`multi:softprob` model, one value per row otherwise); names come from the wrapper.
"""

import logging
import os

import xgboost

import seldon_local_common as common

log = logging.getLogger(__name__)

MODEL_FILE = "model.bst"


class XGBoostServer:
    def __init__(self, model_uri=None):
        self.model_uri = model_uri
        self.booster = None

    def load(self):
        path = os.path.join(common.model_dir(self.model_uri), MODEL_FILE)
        log.info("loading %s", path)
        self.booster = xgboost.Booster(model_file=path)

    def predict(self, X, names=None, meta=None):
        if self.booster is None:
            self.load()
        return self.booster.predict(xgboost.DMatrix(X))

    def init_metadata(self):
        return common.read_metadata(self.model_uri)
