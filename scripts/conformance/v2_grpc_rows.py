"""The gRPC half of scripts/conformance/prepacks_v2.py, run by a Python with Triton's own client
(tritonclient[grpc]): every held-out row through the engine's V2 gRPC `ModelInfer`, one request
per row and all rows in one request, compared with the framework's prediction prepacks_v2.py
made; and the model metadata over gRPC against MLServer's REST metadata.

Usage: v2_grpc_rows.py ENGINE_GRPC_ADDRESS SPEC_JSON
SPEC_JSON: {rows, cases: [{what, outputs, name, datatype, expected, expected_dtype, labels}],
metadata, tag, deployment, tolerance}. Prints PASS/FAIL lines; exits 1 on any failure.
"""

import json
import sys

import numpy as np
import tritonclient.grpc as grpcclient

address, spec_path = sys.argv[1], sys.argv[2]
with open(spec_path) as handle:
    spec = json.load(handle)
client = grpcclient.InferenceServerClient(address)
# What SeldonClient sends with every call.
headers = {"seldon": spec["deployment"], "namespace": "default"}
tag = spec["tag"]
rows = np.asarray(spec["rows"], dtype=np.float64)
failed = 0


def check(name, ok, detail=""):
    global failed
    failed += not ok
    print(f"{'PASS' if ok else 'FAIL'} {name}{': ' + detail if detail and not ok else ''}", flush=True)


def infer(batch, outputs):
    tensor = grpcclient.InferInput("input-0", list(batch.shape), "FP64")
    tensor.set_data_from_numpy(batch)
    requested = [grpcclient.InferRequestedOutput(name) for name in outputs] or None
    return client.infer("classifier", [tensor], outputs=requested, headers=headers)


def differs(got, want, labels, tolerance):
    if got is None:
        return "no such output"
    if got.size != want.size:
        return f"{got.size} values, expected {want.size}"
    got = got.reshape(want.shape)
    if labels is True:
        return None if np.array_equal(got.astype(want.dtype), want) else f"{got} != {want}"
    if labels == "fp32":
        if got.dtype == np.float32 and np.array_equal(got, want):
            return None
        return f"{got.dtype}, max abs diff {float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)))):g}"
    diff = float(np.max(np.abs(got.astype(np.float64) - want))) if got.size else 0.0
    return None if diff <= tolerance else f"max abs diff {diff:g}"


for case in spec["cases"]:
    want = np.asarray(case["expected"], dtype=case["expected_dtype"])
    worst = None
    try:
        for i in range(len(rows)):
            answer = infer(rows[i : i + 1], case["outputs"])
            worst = differs(answer.as_numpy(case["name"]), want[i : i + 1], case["labels"], spec["tolerance"])
            if worst:
                worst = f"row {i}: {worst}"
                break
    except Exception as error:  # noqa: BLE001 - reported as the check's failure
        worst = f"{type(error).__name__}: {error}"
    check(f"{tag}: gRPC, {len(rows)} held-out rows one by one, {case['what']}, equal the framework's", worst is None, worst or "")
    try:
        answer = infer(rows, case["outputs"])
        response = answer.get_response(as_json=True)
        output = response["outputs"][0]
        problem = differs(answer.as_numpy(case["name"]), want, case["labels"], spec["tolerance"])
        check(f"{tag}: gRPC, the held-out set in one request, {case['what']}, equals the framework's", problem is None, problem or "")
        check(
            f"{tag}: gRPC, one output `{case['name']}` of {case['datatype']}, model_name `classifier`",
            len(response["outputs"]) == 1
            and output["name"] == case["name"]
            and output["datatype"] == case["datatype"]
            and int(output["shape"][0]) == len(rows)
            and response["model_name"] == "classifier",
            json.dumps({k: v for k, v in response.items() if k != "raw_output_contents"})[:800],
        )
    except Exception as error:  # noqa: BLE001
        check(f"{tag}: gRPC, the held-out set in one request, {case['what']}", False, f"{type(error).__name__}: {error}")

try:
    metadata = client.get_model_metadata("classifier", headers=headers, as_json=True)
    rest = spec["metadata"]

    def tensors(items):
        return [(t["name"], t["datatype"], [int(d) for d in t["shape"]]) for t in items or []]

    check(
        f"{tag}: gRPC model metadata is MLServer's (name, platform, inputs, outputs)",
        metadata["name"] == rest["name"]
        and metadata.get("platform", "") == rest.get("platform", "")
        and tensors(metadata.get("inputs")) == tensors(rest.get("inputs"))
        and tensors(metadata.get("outputs")) == tensors(rest.get("outputs")),
        f"gRPC {metadata}\nREST {rest}",
    )
except Exception as error:  # noqa: BLE001
    check(f"{tag}: gRPC model metadata", False, f"{type(error).__name__}: {error}")
sys.exit(1 if failed else 0)
