"""A transformer: divides every feature by the `divisor` parameter."""
import numpy as np


class Scale:
    def __init__(self, divisor=255.0):
        self.divisor = float(divisor)

    def transform_input(self, X, features_names=None):
        return np.asarray(X, dtype=float) / self.divisor

    def tags(self):
        return {"scaled_by": self.divisor}
