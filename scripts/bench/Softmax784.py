"""The Python reference model of scripts/bench-path.sh: a 784x10 softmax (one dense layer, the
same shape of work as the MNIST example), served by the real Seldon Python wrapper."""
import numpy as np


class Softmax784:
    def __init__(self):
        rng = np.random.default_rng(0)
        self.weights = rng.standard_normal((784, 10)).astype(np.float32) * 0.01
        self.bias = np.zeros(10, dtype=np.float32)

    def predict(self, X, features_names=None):
        logits = np.asarray(X, dtype=np.float32) @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)
