"""Make the MNIST-like example models and the op-coverage fixtures with real TensorFlow.

Run through scripts/make-mnist-models.sh, which creates the virtualenv. Writes:
  examples/tfserving-mnist/models/tf1/1/      TF1-style graph (VariableV2, simple Builder save)
  examples/tfserving-mnist/models/keras/1/    TF2/Keras 3 SavedModel (ExportArchive)
  examples/tfserving-mnist/heldout.json       held-out inputs, labels, and TensorFlow's own scores
  tests/fixtures/savedmodel/<name>/1/ + expected.json   small op-coverage models with TF outputs
Both MNIST models expose signature `predict_images`: input `images` [-1, 784] float32, output
`scores` [-1, 10] float32 (softmax probabilities), like the seed's TF Serving MNIST model.
"""
import json
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
EXAMPLE = os.path.join(ROOT, "examples", "tfserving-mnist")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "savedmodel")
SEED = 7


def f32_list(a):
    """Nested lists of floats, written with 9 significant digits: enough to round-trip float32."""
    a = np.asarray(a, dtype=np.float32)
    if a.ndim == 0:
        return float(f"{float(a):.9g}")
    return [f32_list(v) for v in a]


def inputs_list(x):
    """The held-out inputs: they were rounded to 4 decimals, so 4 decimals give the exact float32."""
    return [[round(float(v), 4) for v in row] for row in x]


def digits_784():
    digits = load_digits()
    images = digits.images.astype(np.float32) / 16.0  # 8x8 in [0, 1]
    big = tf.image.resize(images[..., None], (28, 28), method="bilinear").numpy()
    x = np.clip(big.reshape(-1, 784), 0.0, 1.0)
    # Round to 4 decimals so the committed JSON is small and holds the exact inputs TF saw.
    x = np.round(x, 4).astype(np.float32)
    return train_test_split(x, digits.target, test_size=0.2, random_state=SEED, stratify=digits.target)


def fresh(path):
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)


def make_tf1(x_train, y_train, x_test, path):
    """A TF1 graph: ref variables (VariableV2), trained in a Session, saved with the Builder."""
    fresh(path)
    g = tf.Graph()
    with g.as_default():
        tf.compat.v1.set_random_seed(SEED)
        images = tf.compat.v1.placeholder(tf.float32, [None, 784], name="images")
        labels = tf.compat.v1.placeholder(tf.int64, [None], name="labels")
        with tf.compat.v1.variable_scope("mlp", use_resource=False):
            w1 = tf.compat.v1.get_variable("w1", [784, 64], initializer=tf.compat.v1.glorot_uniform_initializer())
            b1 = tf.compat.v1.get_variable("b1", [64], initializer=tf.compat.v1.zeros_initializer())
            w2 = tf.compat.v1.get_variable("w2", [64, 10], initializer=tf.compat.v1.glorot_uniform_initializer())
            b2 = tf.compat.v1.get_variable("b2", [10], initializer=tf.compat.v1.zeros_initializer())
        hidden = tf.nn.relu(tf.nn.bias_add(tf.matmul(images, w1), b1))
        logits = tf.nn.bias_add(tf.matmul(hidden, w2), b2)
        scores = tf.nn.softmax(logits, name="scores")
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        train = tf.compat.v1.train.AdamOptimizer(0.003).minimize(loss)
        with tf.compat.v1.Session(graph=g) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            rng = np.random.RandomState(SEED)
            for _ in range(60):
                order = rng.permutation(len(x_train))
                for i in range(0, len(order), 64):
                    idx = order[i:i + 64]
                    sess.run(train, {images: x_train[idx], labels: y_train[idx]})
            sig = tf.compat.v1.saved_model.signature_def_utils.predict_signature_def(
                inputs={"images": images}, outputs={"scores": scores})
            builder = tf.compat.v1.saved_model.Builder(path)
            builder.add_meta_graph_and_variables(
                sess, [tf.compat.v1.saved_model.tag_constants.SERVING],
                signature_def_map={"predict_images": sig, "serving_default": sig},
                strip_default_attrs=True)
            builder.save()


def make_keras(x_train, y_train, path):
    """A Keras 3 CNN exported as a TF2 SavedModel with a `predict_images` endpoint."""
    import keras
    fresh(path)
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Reshape((28, 28, 1)),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.003), loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train, epochs=25, batch_size=64, verbose=0)
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        name="predict_images",
        fn=lambda images: {"scores": model(images, training=False)},
        input_signature=[tf.TensorSpec([None, 784], tf.float32, name="images")])
    archive.add_endpoint(
        name="serving_default",
        fn=lambda images: {"scores": model(images, training=False)},
        input_signature=[tf.TensorSpec([None, 784], tf.float32, name="images")])
    archive.write_out(path, verbose=False)


def run_signature(path, sig, **inputs):
    loaded = tf.saved_model.load(path)
    fn = loaded.signatures[sig]
    out = fn(**{k: tf.constant(v) for k, v in inputs.items()})
    return {k: v.numpy() for k, v in out.items()}


class Zoo(tf.Module):
    """Ops the builtin server must get right (see the README's op list)."""

    def __init__(self):
        super().__init__()
        rng = np.random.RandomState(SEED)
        v = lambda *s: tf.Variable(rng.normal(size=s).astype(np.float32) * 0.5)
        self.k1 = v(3, 3, 2, 4)
        self.k2 = v(3, 3, 4, 4)
        self.scale, self.offset = v(4), v(4)
        self.mean = tf.Variable(rng.normal(size=4).astype(np.float32))
        self.var = tf.Variable(rng.uniform(0.5, 2.0, size=4).astype(np.float32))
        self.w = v(8, 5)
        self.q = v(5, 5)

    @tf.function(input_signature=[tf.TensorSpec([None, 9, 9, 2], tf.float32, name="image"),
                                  tf.TensorSpec([None, 3, 5], tf.float32, name="seq")])
    def predict(self, image, seq):
        x = tf.nn.conv2d(image, self.k1, strides=1, padding="SAME", dilations=2)
        x, _, _ = tf.compat.v1.nn.fused_batch_norm(x, self.scale, self.offset, self.mean, self.var,
                                                    epsilon=1e-3, is_training=False)
        x = tf.nn.relu(x)
        a = tf.nn.max_pool2d(x, 2, 2, "VALID")
        b = tf.nn.avg_pool2d(x, 2, 2, "VALID")
        x = tf.concat([a, b], axis=-1)  # ConcatV2 with a negative axis
        x = tf.nn.conv2d(x[:, :, :, :4], self.k2, strides=1, padding="VALID")
        pooled = tf.reduce_mean(x, axis=[1, 2])
        feat = tf.concat([pooled, tf.stop_gradient(pooled)], axis=-1)
        dense = tf.math.erf(tf.matmul(feat, self.w))  # [N, 5]
        att = tf.einsum("bij,jk->bik", seq, self.q)  # [N, 3, 5]
        att = tf.linalg.matmul(att, seq, transpose_b=True)  # BatchMatMulV2 [N, 3, 3]
        probs = tf.nn.softmax(att, axis=-1)  # softmax of rank 3 on the last axis
        return {"dense": dense, "attention": probs}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="data")])
    def echo(self, data):
        return {"data_bytes": tf.identity(data)}


def make_zoo(path):
    fresh(path)
    zoo = Zoo()
    tf.saved_model.save(zoo, path, signatures={
        "serving_default": zoo.predict.get_concrete_function(),
        "echo": zoo.echo.get_concrete_function(),
    })
    rng = np.random.RandomState(SEED + 1)
    image = rng.normal(size=(3, 9, 9, 2)).astype(np.float32)
    seq = rng.normal(size=(3, 3, 5)).astype(np.float32)
    out = run_signature(path, "serving_default", image=image, seq=seq)
    return {"signature": "serving_default",
            "inputs": {"image": f32_list(image), "seq": f32_list(seq)},
            "outputs": {k: f32_list(v) for k, v in out.items()}}


def main():
    x_train, x_test, y_train, y_test = digits_784()
    models = os.path.join(EXAMPLE, "models")
    tf1 = os.path.join(models, "tf1", "1")
    keras_dir = os.path.join(models, "keras", "1")
    make_tf1(x_train, y_train, x_test, tf1)
    make_keras(x_train, y_train, keras_dir)
    heldout = {"inputs": inputs_list(x_test), "labels": [int(v) for v in y_test], "models": {}}
    for name, path in (("tf1", tf1), ("keras", keras_dir)):
        scores = run_signature(path, "predict_images", images=x_test)["scores"]
        acc = float(np.mean(np.argmax(scores, axis=1) == y_test))
        heldout["models"][name] = {"scores": f32_list(scores), "accuracy": acc}
        print(f"{name}: TensorFlow accuracy on {len(y_test)} held-out digits = {acc:.4f}")
    with open(os.path.join(EXAMPLE, "heldout.json"), "w") as f:
        json.dump(heldout, f, separators=(",", ":"))
    zoo = make_zoo(os.path.join(FIXTURES, "zoo", "1"))
    with open(os.path.join(FIXTURES, "zoo", "expected.json"), "w") as f:
        json.dump(zoo, f, separators=(",", ":"))
    print("tensorflow", tf.__version__)


if __name__ == "__main__":
    sys.exit(main())
