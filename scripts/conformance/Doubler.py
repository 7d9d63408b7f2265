"""A model: multiplies its input by `factor`, tags itself, records feedback."""
import os

import numpy as np


class Doubler:
    def __init__(self, factor=2, feedback_dir=""):
        self.factor = factor
        self.feedback_dir = feedback_dir

    def predict(self, X, features_names=None):
        return np.asarray(X) * self.factor

    def tags(self):
        return {"model_factor": self.factor}

    def send_feedback(self, features, feature_names, reward, truth, routing=None):
        if self.feedback_dir:
            name = os.environ.get("PREDICTIVE_UNIT_ID", "unit")
            with open(os.path.join(self.feedback_dir, name), "w") as f:
                f.write(str(reward))
        return []
