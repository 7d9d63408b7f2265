"""A transformer: adds one to every input value."""
import numpy as np


class AddOne:
    def transform_input(self, X, features_names=None):
        return np.asarray(X) + 1

    def tags(self):
        return {"transformer": "addone"}
