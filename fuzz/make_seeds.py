"""Writes the seed corpora (fuzz/corpus/<target>/): small valid inputs of each surface, made
from the project's examples and fixtures. Run from the repository root: python3 fuzz/make_seeds.py
"""

import gzip
import io
import json
import pathlib
import struct
import tarfile
import zipfile

root = pathlib.Path(__file__).resolve().parent.parent
corpus = root / "fuzz" / "corpus"


def seed(target, name, data):
    d = corpus / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def j(value):
    return json.dumps(value, separators=(",", ":"))


# sdep: the examples and a few fixtures.
for path in sorted(root.glob("examples/*/sdep*.yaml")):
    seed("sdep", f"{path.parent.name}-{path.stem}.yaml", path.read_bytes())
for path in sorted(root.glob("tests/fixtures/*.yaml"))[:12]:
    seed("sdep", path.name, path.read_bytes())

seldon = {
    "ndarray": {"data": {"names": ["a", "b"], "ndarray": [[1.0, 2.5], [3, 4]]}},
    "tensor": {"data": {"tensor": {"shape": [2, 2], "values": [1, 2, 3, 4]}}},
    "tftensor": {"data": {"tftensor": {"dtype": "DT_FLOAT", "tensorShape": {"dim": [{"size": "1"}, {"size": "2"}]}, "floatVal": [1, 2]}}},
    "strdata": {"strData": "hello"},
    "bindata": {"binData": "AAEC"},
    "jsondata": {"jsonData": {"a": [1, 2]}},
    "meta": {"meta": {"puid": "p", "routing": {"r": 1}, "tags": {"t": 1}}, "data": {"ndarray": [[1]]}},
    "strings": {"data": {"ndarray": [["a", "b"]]}},
}
for name, value in seldon.items():
    seed("seldon_json", name, j(value))
seed("seldon_json", "route", j({"data": {"ndarray": [[1]]}}))

tf = [
    (0, {"instances": [[1.0, 2.0]]}),
    (0, {"signature_name": "serving_default", "inputs": [[1.5, 2]]}),
    (1, {"inputs": {"images": [[0.5]], "keys": ["k"]}}),
    (1, {"instances": [{"images": [1.0], "keys": {"b64": "YQ=="}}]}),
    (2, {"instances": [{"a": 1, "b": 2, "c": True}]}),
    (3, {"inputs": [[1e300, -2]]}),
]
for i, (choice, value) in enumerate(tf):
    seed("tf_json", f"predict-{i}", bytes([choice]) + j(value).encode())
seed("tf_json", "tftensor", b"\x00" + j(seldon["tftensor"]["data"]["tftensor"]).encode())

plain = b"\xff\xff"
request = {"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP32", "data": [1, 2]}]}
seed("v2_json", "request", plain + j(request).encode())
seed("v2_json", "request-bytes", plain + j({"inputs": [{"name": "s", "shape": [1], "datatype": "BYTES", "data": ["abc"]}], "outputs": [{"name": "y"}]}).encode())
seed("v2_json", "response", plain + j({"model_name": "m", "outputs": [{"name": "y", "shape": [2], "datatype": "FP64", "data": [0.5, 0.5]}]}).encode())
header = j({"inputs": [{"name": "x", "shape": [2], "datatype": "INT32", "parameters": {"binary_data_size": 8}}]}).encode()
seed("v2_json", "binary", struct.pack("<H", len(header)) + header + struct.pack("<2i", 7, 9))

seed("proxy", "json", b"\x00" + j(seldon["ndarray"]).encode())
seed("proxy", "tensor", b"\x01" + j(seldon["tensor"]).encode())
seed("proxy", "form", b"\x02json=" + j(seldon["ndarray"]).replace("{", "%7B").replace("}", "%7D").encode())
multipart = (
    b'--b\r\nContent-Disposition: form-data; name="strData"\r\n\r\nhi\r\n'
    b'--b\r\nContent-Disposition: form-data; name="binData"; filename="x.bin"\r\n\r\n\x00\x01\r\n--b--\r\n'
)
seed("proxy", "multipart", b"\x03" + multipart)
seed("proxy", "reply", b"\x00" + j({"predictions": [[0.1, 0.9]]}).encode())


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def packed_doubles(values):
    return b"".join(struct.pack("<d", v) for v in values)


tensor = field(1, varint(1) + varint(2)) + field(2, packed_doubles([1.5, 2.5]))
default_data = field(1, b"a") + field(2, tensor)
seed("grpc", "seldon-tensor", field(3, default_data))
seed("grpc", "seldon-strdata", field(5, b"hello"))
# ListValue [[1.0]]: ListValue{values: Value{list_value: ListValue{values: Value{number 1.0}}}}
number = b"\x11" + struct.pack("<d", 1.0)
inner = field(1, number)
outer = field(1, field(6, inner))
seed("grpc", "seldon-ndarray", field(3, field(3, outer)))
seed("grpc", "seldon-routing", field(2, field(3, field(1, b"r") + b"\x10\x01")) + field(5, b"x"))
contents = field(6, b"".join(struct.pack("<f", v) for v in [1.0, 2.0]))
infer_input = field(1, b"x") + field(2, b"FP32") + field(3, varint(1) + varint(2)) + field(5, contents)
seed("grpc", "infer-request", field(1, b"m") + field(5, infer_input))
raw_input = field(1, b"x") + field(2, b"INT32") + field(3, varint(2))
seed("grpc", "infer-raw", field(1, b"m") + field(5, raw_input) + field(7, struct.pack("<2i", 3, 4)))

mnist = root / "examples/tfserving-mnist/models/tf1/1"
zoo = root / "tests/fixtures/savedmodel/zoo/1"
seed("savedmodel", "mnist", b"\x01" + (mnist / "saved_model.pb").read_bytes())
seed("savedmodel", "zoo", b"\x00" + (zoo / "saved_model.pb").read_bytes())
for name, d in [("zoo", zoo)]:
    index = (d / "variables/variables.index").read_bytes()
    data = (d / "variables/variables.data-00000-of-00001").read_bytes()
    seed("checkpoint", name, struct.pack("<I", len(index)) + index + data)


def tar_bytes(compress):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, body in [("model/1/saved_model.pb", b"pb"), ("model/README", b"hi")]:
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
        info = tarfile.TarInfo("model/2")
        info.type = tarfile.DIRTYPE
        tar.addfile(info)
    raw = buf.getvalue()
    return gzip.compress(raw, mtime=0) if compress else raw


seed("archive", "tar", b"\x00" + tar_bytes(False))
seed("archive", "targz", b"\x01" + tar_bytes(True))
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("model/1/saved_model.pb", b"pb" * 10)
    z.writestr("model/dir/", b"")
seed("archive", "zip", b"\x02" + buf.getvalue())
