"""seldon-local's MLFLOW_SERVER unit: an MLflow model directory (`MLmodel`) loaded as a pyfunc.

The `xtype` parameter says how features reach the model: `ndarray` (the default) passes the
array as it is, anything else builds a pandas DataFrame whose columns are the request's names.
When the model answers a DataFrame its columns become the unit's names; otherwise the wrapper
names the columns.
"""

import logging

import pandas
from mlflow import pyfunc
from seldon_core.user_model import SeldonNotImplementedError

import seldon_local_common as common

log = logging.getLogger(__name__)


class MLFlowServer:
    def __init__(self, model_uri=None, xtype="ndarray"):
        self.model_uri = model_uri
        self.xtype = xtype
        self.model = None
        self.columns = None

    def load(self):
        path = common.model_dir(self.model_uri)
        log.info("loading the MLflow model in %s (xtype %s)", path, self.xtype)
        self.model = pyfunc.load_model(path)

    def predict(self, X, feature_names=None, meta=None):
        if self.model is None:
            self.load()
        if self.xtype == "ndarray":
            result = self.model.predict(X)
        else:
            columns = list(feature_names) if feature_names else None
            result = self.model.predict(pandas.DataFrame(data=X, columns=columns))
        if isinstance(result, pandas.DataFrame):
            self.columns = [str(c) for c in result.columns]
            result = result.to_numpy()
        return result

    def class_names(self):
        if self.columns is None:
            raise SeldonNotImplementedError("the model's answer is not a DataFrame")
        return self.columns

    def init_metadata(self):
        return common.read_metadata(self.model_uri)
