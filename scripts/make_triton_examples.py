"""Make the Triton example repositories with the `onnx` package (PyPI).

Run through scripts/make-triton-examples.sh, which creates the virtualenv. Writes
examples/triton-simple/models/simple/: Triton's classic `simple` model (INPUT0 + INPUT1 ->
OUTPUT0, INPUT0 - INPUT1 -> OUTPUT1, INT32 [16], max_batch_size 8) as an ONNX graph, with its
config.pbtxt.
"""
import os

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


if __name__ == "__main__":
    simple()
    print("wrote", SIMPLE)
