"""Conformance of seldon-local's ingress against Seldon's own Python clients (seldon-core from
PyPI): `up` the shipped MNIST example, then SeldonClient with gateway="ambassador" and
gateway="istio" over REST and gRPC (on both runtimes; on the embedded one also against a Python
wrapper unit) and `seldon-core-api-tester`, all through the ingress, and the wrapper's unit tools
(`seldon-core-microservice-tester`, `SeldonClient.microservice()`) on the unit's address;
TensorFlow's scores within 1e-5. (The traffic-split example has its own script,
scripts/traffic-split.sh.) Prints one line per check and ends with `N passed, M failed`.

Usage: python ingress.py <seldon-local binary> <repository root> [docker|embedded]
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import requests
from google.protobuf import json_format
from seldon_core.seldon_client import SeldonClient

BINARY, ROOT = sys.argv[1], sys.argv[2]
RUNTIME = sys.argv[3] if len(sys.argv) > 3 else "embedded"
TESTER = os.path.join(os.path.dirname(sys.executable), "seldon-core-api-tester")
RESULTS = []


def check(name, fn):
    try:
        fn()
        RESULTS.append((name, None))
        print(f"ok    {name}", flush=True)
    except Exception as error:  # noqa: BLE001 - a check fails with whatever it raised
        RESULTS.append((name, error))
        print(f"FAIL  {name}: {error!r}", flush=True)


def seldon_local(env, *args):
    return subprocess.run([BINARY, *args], env=env, capture_output=True, text=True, check=False)


def up(env, path):
    done = seldon_local(env, "up", "--runtime", RUNTIME, "-d", "-o", "json", path)
    if done.returncode != 0:
        raise RuntimeError(f"up {path} failed: {done.stderr}")
    running = json.loads(done.stdout)[0]
    ingress = running["endpoints"][0]
    assert ingress["name"] == "ingress", running["endpoints"]
    # http://127.0.0.1:PORT/seldon/<ns>/<name>
    hostport = ingress["address"].split("/")[2]
    return running, hostport


def ingress_grpc(running):
    """The ingress's gRPC address (host:port), as `up` lists it."""
    rows = [e for e in running["endpoints"] if e["name"] == "ingress" and e["protocol"] == "grpc"]
    assert rows, running["endpoints"]
    return rows[0]["address"]


DOUBLER = """
apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata:
  name: doubler
spec:
  predictors:
  - name: default
    componentSpecs:
    - spec:
        containers:
        - name: doubler
          image: seldon-local-examples/doubler:0.1
    graph:
      name: doubler
      type: MODEL
"""


def grpc_checks(env):
    """gRPC through the ingress to an engine whose unit is the real Python wrapper, played by
    `--exec` (embedded only: `--exec` runs a local process)."""
    microservice = os.path.join(os.path.dirname(sys.executable), "seldon-core-microservice")
    units = os.path.join(ROOT, "scripts/conformance")
    work = tempfile.mkdtemp(prefix="seldon-local-doubler-")
    path = os.path.join(work, "sdep.yaml")
    with open(path, "w") as f:
        f.write(DOUBLER)
    command = f"cd {units} && exec {microservice} Doubler --service-type MODEL --single-threaded 1"
    done = seldon_local(env, "up", "--runtime", "embedded", "-d", "-o", "json",
                        "--exec", "doubler=" + command, path)
    try:
        if done.returncode != 0:
            check("gRPC: up of a wrapper unit", lambda: (_ for _ in ()).throw(RuntimeError(done.stderr)))
            return
        endpoints = json.loads(done.stdout)[0]["endpoints"]
        grpc = [e for e in endpoints if e["name"] == "ingress" and e["protocol"] == "grpc"]
        assert grpc, endpoints
        hostport = grpc[0]["address"]

        def client(gateway):
            def run():
                sc = SeldonClient(
                    deployment_name="doubler",
                    namespace="default",
                    gateway=gateway,
                    gateway_endpoint=hostport,
                    transport="grpc",
                )
                result = sc.predict(data=np.array([[1.0, 2.5]]), payload_type="ndarray")
                assert result.success, result.msg
                got = result.response["data"]["ndarray"]
                assert got == [[2.0, 5.0]], got

            return run

        check("SeldonClient gateway=ambassador gRPC through the ingress", client("ambassador"))
        check("SeldonClient gateway=istio gRPC through the ingress", client("istio"))
    finally:
        seldon_local(env, "down", "doubler")


def main():
    state = tempfile.mkdtemp(prefix="seldon-local-ingress-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELDON_LOCAL_")}
    env["SELDON_LOCAL_STATE_DIR"] = state
    env.setdefault("SELDON_LOCAL_INGRESS_PORT", os.environ.get("SELDON_LOCAL_INGRESS_PORT", "0"))
    heldout = json.load(open(os.path.join(ROOT, "examples/tfserving-mnist/heldout.json")))
    inputs = np.array(heldout["inputs"][:3], dtype=np.float32)
    expected = np.array(heldout["models"]["tf1"]["scores"][:3])
    try:
        running, hostport = up(env, os.path.join(ROOT, "examples/tfserving-mnist/sdep.yaml"))
        grpc_hostport = ingress_grpc(running)

        def client(gateway, transport, payload_type="ndarray"):
            def run():
                sc = SeldonClient(
                    deployment_name="tfserving",
                    namespace="default",
                    gateway=gateway,
                    gateway_endpoint=grpc_hostport if transport == "grpc" else hostport,
                    transport=transport,
                )
                result = sc.predict(data=inputs, payload_type=payload_type)
                assert result.success, result.msg
                data = result.response["data"]
                if payload_type == "ndarray":
                    got = np.array(data["ndarray"])
                else:
                    got = np.array(data["tensor"]["values"]).reshape(data["tensor"]["shape"])
                assert np.allclose(got, expected, atol=1e-5), (got, expected)

            return run

        for gateway in ("ambassador", "istio"):
            check(f"SeldonClient gateway={gateway} REST through the ingress", client(gateway, "rest"))
            for payload_type in ("ndarray", "tensor"):
                check(
                    f"SeldonClient gateway={gateway} gRPC {payload_type} through the ingress",
                    client(gateway, "grpc", payload_type),
                )

        def api_tester():
            host, port = hostport.split(":")
            done = subprocess.run(
                [TESTER, os.path.join(ROOT, "scripts/conformance/mnist-contract.json"),
                 host, port, "tfserving", "--namespace", "default", "-p"],
                capture_output=True, text=True, check=False, timeout=120,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            assert '"ndarray"' in done.stdout or "ndarray" in done.stdout, done.stdout
            assert "FAILURE" not in done.stdout, done.stdout

        check("seldon-core-api-tester through the ingress", api_tester)

        # The wrapper's own tools for one unit, on the unit's address as `up` lists it.
        unit = next(e["address"] for e in running["endpoints"]
                    if e["name"] == "mnist-model" and e["protocol"] == "rest").split("/")[2]

        def microservice(payload_type):
            def run():
                sc = SeldonClient(microservice_endpoint=unit)
                result = sc.microservice(data=inputs, method="predict", payload_type=payload_type)
                assert result.success, result.msg
                # microservice() answers a SeldonMessage, not a dict as predict() does.
                data = json_format.MessageToDict(result.response)["data"]
                if payload_type == "ndarray":
                    got = np.array(data["ndarray"])
                else:
                    got = np.array(data["tensor"]["values"]).reshape(data["tensor"]["shape"])
                assert np.allclose(got, expected, atol=1e-5), (got, expected)

            return run

        for payload_type in ("ndarray", "tensor"):
            check(f"SeldonClient.microservice() {payload_type} on the unit", microservice(payload_type))

        def microservice_tester():
            host, port = unit.split(":")
            done = subprocess.run(
                [TESTER.replace("api-tester", "microservice-tester"),
                 os.path.join(ROOT, "scripts/conformance/mnist-contract.json"),
                 host, port, "--endpoint", "predict", "-p", "-n", "2"],
                capture_output=True, text=True, check=False, timeout=120,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            assert done.stdout.count("RECEIVED RESPONSE") == 2, done.stdout
            assert "FAILURE" not in done.stdout, done.stdout

        check("seldon-core-microservice-tester on the unit", microservice_tester)

        def unknown():
            reply = requests.post(
                f"http://{hostport}/seldon/default/nosuch/api/v1.0/predictions",
                json={"data": {"ndarray": [[1]]}},
            )
            assert reply.status_code == 404, reply.status_code
            assert "routed: default/tfserving" in reply.text, reply.text

        check("an unknown deployment is a 404 naming what is routed", unknown)
    finally:
        seldon_local(env, "down", "tfserving")
    if RUNTIME == "embedded":
        grpc_checks(env)
    failed = sum(1 for _, error in RESULTS if error)
    print(f"{len(RESULTS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
