"""Make the Triton example repositories with the `onnx` package and TensorFlow (PyPI).

Run through scripts/make-triton-examples.sh, which creates the virtualenv. Writes
  examples/triton-simple/models/simple/      Triton's classic `simple` model (INPUT0 + INPUT1 ->
      OUTPUT0, INPUT0 - INPUT1 -> OUTPUT1, INT32 [16], max_batch_size 8) as an ONNX graph, with
      its config.pbtxt
  examples/triton-simple/models-tf/simple/   the same model as a TF SavedModel
  examples/triton-onnx-mnist/models/mnist/   the shipped MNIST classifier
      (examples/tfserving-mnist/models/tf1: images [-1, 784] -> scores [-1, 10]) exported to
      ONNX from its checkpoint's weights; no config.pbtxt, so the server completes it from the
      model as Triton does
"""
import os
import shutil

import onnx
from onnx import TensorProto, helper

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SIMPLE = os.path.join(ROOT, "examples", "triton-simple", "models", "simple")

CONFIG = """name: "simple"
platform: "onnxruntime_onnx"
max_batch_size: 8
input [
  { name: "INPUT0", data_type: TYPE_INT32, dims: [ 16 ] },
  { name: "INPUT1", data_type: TYPE_INT32, dims: [ 16 ] }
]
output [
  { name: "OUTPUT0", data_type: TYPE_INT32, dims: [ 16 ] },
  { name: "OUTPUT1", data_type: TYPE_INT32, dims: [ 16 ] }
]
"""


def simple():
    shape = ["batch", 16]
    io = lambda name: helper.make_tensor_value_info(name, TensorProto.INT32, shape)
    graph = helper.make_graph(
        [
            helper.make_node("Add", ["INPUT0", "INPUT1"], ["OUTPUT0"]),
            helper.make_node("Sub", ["INPUT0", "INPUT1"], ["OUTPUT1"]),
        ],
        "simple",
        [io("INPUT0"), io("INPUT1")],
        [io("OUTPUT0"), io("OUTPUT1")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    os.makedirs(os.path.join(SIMPLE, "1"), exist_ok=True)
    onnx.save(model, os.path.join(SIMPLE, "1", "model.onnx"))
    with open(os.path.join(SIMPLE, "config.pbtxt"), "w") as f:
        f.write(CONFIG)


TF_CONFIG = CONFIG.replace('platform: "onnxruntime_onnx"', 'platform: "tensorflow_savedmodel"')


def simple_savedmodel():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    spec = lambda name: tf.TensorSpec([None, 16], tf.int32, name=name)

    class Simple(tf.Module):
        @tf.function(input_signature=[spec("INPUT0"), spec("INPUT1")])
        def serve(self, input0, input1):
            return {"OUTPUT0": input0 + input1, "OUTPUT1": input0 - input1}

    base = os.path.join(ROOT, "examples", "triton-simple", "models-tf", "simple")
    target = os.path.join(base, "1", "model.savedmodel")
    shutil.rmtree(target, ignore_errors=True)
    module = Simple()
    tf.saved_model.save(module, target, signatures={"serving_default": module.serve})
    with open(os.path.join(base, "config.pbtxt"), "w") as f:
        f.write(TF_CONFIG)


def mnist():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    import tensorflow as tf
    from onnx import numpy_helper

    checkpoint = os.path.join(ROOT, "examples", "tfserving-mnist", "models", "tf1", "1", "variables", "variables")
    reader = tf.train.load_checkpoint(checkpoint)
    weights = [
        numpy_helper.from_array(np.asarray(reader.get_tensor(f"mlp/{name}"), dtype=np.float32), name)
        for name in ["w1", "b1", "w2", "b2"]
    ]
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["images", "w1"], ["mm1"]),
            helper.make_node("Add", ["mm1", "b1"], ["pre1"]),
            helper.make_node("Relu", ["pre1"], ["hidden"]),
            helper.make_node("MatMul", ["hidden", "w2"], ["mm2"]),
            helper.make_node("Add", ["mm2", "b2"], ["logits"]),
            helper.make_node("Softmax", ["logits"], ["scores"], axis=-1),
        ],
        "mnist",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["batch", 784])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", 10])],
        initializer=weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    base = os.path.join(ROOT, "examples", "triton-onnx-mnist", "models", "mnist", "1")
    os.makedirs(base, exist_ok=True)
    onnx.save(model, os.path.join(base, "model.onnx"))


if __name__ == "__main__":
    simple()
    simple_savedmodel()
    mnist()
    print("wrote", SIMPLE)
