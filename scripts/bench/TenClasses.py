"""A reference model for the benchmark: ten class scores for any input."""
import numpy as np


class TenClasses:
    def predict(self, X, features_names=None):
        return np.full((np.asarray(X).shape[0], 10), 0.1)
