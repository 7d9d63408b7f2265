"""A combiner: the element-wise mean of its children's outputs."""
import numpy as np


class Mean:
    def aggregate(self, Xs, features_names=None):
        return np.mean([np.asarray(x) for x in Xs], axis=0)

    def tags(self):
        return {"combiner": "mean"}
