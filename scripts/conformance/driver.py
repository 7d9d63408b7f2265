"""Conformance of seldon-local's executor against the real Seldon Python wrapper.

Starts small Python units with `seldon-core-microservice` on free loopback ports, runs
`seldon-local component executor` over graphs of them, and checks the answers against what the
upstream executor returns (spec protocols.md §1.3, §2). Prints one line per check and ends with
`N passed, M failed`; exits non-zero when anything failed.

Usage: python driver.py <seldon-local binary> <directory with the unit classes>
"""

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import requests

BINARY = sys.argv[1]
UNITS_DIR = sys.argv[2]
MICROSERVICE = os.path.join(os.path.dirname(sys.executable), "seldon-core-microservice")
REQUEST = {"data": {"names": ["a", "b"], "ndarray": [[1, 2]]}}
RESULTS = []
PROCESSES = []


USED_PORTS = set()


def free_port():
    """A port nothing listens on now and that this run has not handed out before (the units bind
    their ports later, so the OS could otherwise give the same port twice)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in USED_PORTS:
            USED_PORTS.add(port)
            return port


def wait_for(url, what, deadline_s=60):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not become ready at {url}")


def image(name):
    return f"conformance/{name}:0.1"


def start_unit(name, interface, service_type, parameters, feedback_dir):
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "PREDICTIVE_UNIT_ID": name,
            "PREDICTIVE_UNIT_IMAGE": image(name),
            "PREDICTIVE_UNIT_PARAMETERS": json.dumps(parameters),
            "PREDICTOR_ID": "default",
            "SELDON_DEPLOYMENT_ID": "conformance",
        }
    )
    if interface == "Doubler":
        env["PREDICTIVE_UNIT_PARAMETERS"] = json.dumps(
            parameters + [{"name": "feedback_dir", "value": feedback_dir, "type": "STRING"}]
        )
    log = open(os.path.join(feedback_dir, f"{name}.log"), "w")
    grpc_port = free_port()
    process = subprocess.Popen(
        [
            MICROSERVICE,
            interface,
            "--service-type",
            service_type,
            "--http-port",
            str(port),
            "--grpc-port",
            str(grpc_port),
            "--metrics-port",
            str(free_port()),
            "--workers",
            "1",
            "--single-threaded",
            "1",
        ],
        cwd=UNITS_DIR,
        env=env,
        start_new_session=True,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    PROCESSES.append(process)
    return {"name": name, "port": port, "grpc_port": grpc_port}


def node(unit, kind, children=()):
    return {
        "name": unit["name"],
        "type": kind,
        "endpoint": {
            "service_host": "127.0.0.1",
            "service_port": unit["port"],
            "httpPort": unit["port"],
            "grpcPort": unit.get("grpc_port", 0),
        },
        "children": list(children),
    }


class Executor:
    def __init__(self, graph, extra_env=None, transport="rest"):
        spec = {"name": "default", "graph": graph, "componentSpecs": [], "replicas": 0}
        self.port = free_port()
        self.grpc_port = free_port()
        env = {
            "ENGINE_PREDICTOR": base64.b64encode(json.dumps(spec).encode()).decode(),
            "PATH": os.environ.get("PATH", ""),
        }
        env.update(extra_env or {})
        self.process = subprocess.Popen(
            [
                BINARY, "component", "executor",
                "--sdep", "conformance", "--namespace", "default", "--predictor", "default",
                "--http_port", str(self.port), "--grpc_port", str(self.grpc_port),
                "--protocol", "seldon", "--transport", transport, "--prometheus_path", "/prometheus", "--server_type", "rpc",
                "--full_health_checks=false", "--annotations", "/nonexistent",
            ],
            env=env,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        wait_for(self.base + "/live", "executor")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=10)

    def post(self, path, body, headers=None):
        return requests.post(self.base + path, json=body, headers=headers, timeout=30)

    def grpc(self, method, body, message="SeldonMessage", metadata=()):
        """Calls the executor's `Seldon` service with the proto3 JSON `body`; returns the reply
        as MessageToDict gives it, or the grpc.RpcError."""
        import grpc
        from google.protobuf import json_format
        from seldon_core.proto import prediction_pb2, prediction_pb2_grpc

        with grpc.insecure_channel(f"127.0.0.1:{self.grpc_port}") as channel:
            grpc.channel_ready_future(channel).result(timeout=30)
            stub = prediction_pb2_grpc.SeldonStub(channel)
            request = json_format.ParseDict(body, getattr(prediction_pb2, message)())
            try:
                reply = getattr(stub, method)(request, metadata=list(metadata), timeout=30)
            except grpc.RpcError as error:
                return error
            return json_format.MessageToDict(reply)


def check(name, condition, detail=""):
    RESULTS.append(bool(condition))
    print(("PASS " if condition else "FAIL ") + name + ("" if condition else f": {detail}"))


def check_equal(name, got, want):
    check(name, got == want, f"got {json.dumps(got)}, want {json.dumps(want)}")


def check_graph_example_with_the_real_wrapper(work_dir):
    root = os.path.dirname(os.path.dirname(UNITS_DIR))
    state = os.path.join(work_dir, "state")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELDON_LOCAL_")}
    env["SELDON_LOCAL_STATE_DIR"] = state
    env["NO_COLOR"] = "1"

    def seldon_local(*args):
        return subprocess.run([BINARY, *args], cwd=root, env=env, capture_output=True, text=True, timeout=300)

    def unit(interface, kind):
        return f"cd {UNITS_DIR} && exec {MICROSERVICE} {interface} --service-type {kind} --single-threaded 1"

    up = seldon_local(
        "up", "--runtime", "embedded", "-d", "examples/mnist-graph/sdep.yaml",
        "--exec", "scale=" + unit("Scale", "TRANSFORMER"),
        "--exec", "mean=" + unit("Mean", "COMBINER"),
    )
    check_equal("graph example: up with the wrapper's units", up.returncode, 0)
    if up.returncode != 0:
        print(up.stderr)
        return
    try:
        with open(os.path.join(root, "examples/tfserving-mnist/heldout.json")) as f:
            heldout = json.load(f)
        raw = [[v * 255.0 for v in heldout["inputs"][5]]]
        predict = seldon_local("predict", "mnist-graph", "--ndarray", json.dumps(raw))
        check_equal("graph example: predict exits 0", predict.returncode, 0)
        answer = json.loads(predict.stdout or "{}")
        want = [(a + b) / 2 for a, b in zip(heldout["models"]["tf1"]["scores"][5], heldout["models"]["keras"]["scores"][5])]
        got = (answer.get("data") or {}).get("ndarray", [[]])[0]
        check(
            "graph example: the mean of both models' TensorFlow scores",
            len(got) == 10 and all(abs(g - w) <= 1e-5 for g, w in zip(got, want)),
            f"got {got}, want {want}",
        )
        meta = answer.get("meta", {})
        check_equal("graph example: tags of both units", meta.get("tags"), {"scaled_by": 255.0, "combiner": "mean"})
        check_equal(
            "graph example: requestPath of every unit",
            sorted(meta.get("requestPath", {})),
            ["keras", "mean", "scale", "tf1"],
        )
        check_equal("graph example: the wrapper's image id", meta.get("requestPath", {}).get("scale"), "seldon-local-examples/scale:0.1")
    finally:
        down = seldon_local("down", "mnist-graph")
        check_equal("graph example: down", down.returncode, 0)


def check_unit_api_with_the_real_clients(work_dir):
    """The tfserving-mnist example on the embedded runtime, its unit (our tfserving proxy) called
    as the wrapper's own tools call a unit: `seldon-core-microservice-tester` and
    `SeldonClient.microservice()` send the message as a `json=` form field; the unit's metrics
    port, listed by `ps`, counts their feedback."""
    import numpy as np
    from seldon_core.seldon_client import SeldonClient

    root = os.path.dirname(os.path.dirname(UNITS_DIR))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELDON_LOCAL_")}
    env["SELDON_LOCAL_STATE_DIR"] = os.path.join(work_dir, "state-unit")
    env["NO_COLOR"] = "1"

    def seldon_local(*args):
        return subprocess.run([BINARY, *args], cwd=root, env=env, capture_output=True, text=True, timeout=300)

    up = seldon_local("up", "--runtime", "embedded", "-d", "examples/tfserving-mnist/sdep.yaml")
    check_equal("unit: up of the tfserving example", up.returncode, 0)
    if up.returncode != 0:
        print(up.stderr)
        return
    try:
        ps = json.loads(seldon_local("ps", "tfserving", "-o", "json").stdout)
        proxy = next(c for c in ps if c["container"] == "mnist-model")
        ports = {p["container_port"]: p["host_port"] for p in proxy["ports"]}
        unit, metrics = ports[9000], ports[6000]
        with open(os.path.join(root, "examples/tfserving-mnist/heldout.json")) as f:
            heldout = json.load(f)
        want = heldout["models"]["tf1"]["scores"]
        client = SeldonClient(microservice_endpoint=f"127.0.0.1:{unit}")
        for payload_type in ["ndarray", "tensor"]:
            r = client.microservice(data=np.array(heldout["inputs"][:2]), method="predict", payload_type=payload_type)
            check("unit: SeldonClient.microservice() " + payload_type + " succeeds", r.success, r.msg)
            if r.success:
                from google.protobuf import json_format

                data = r.response if isinstance(r.response, dict) else json_format.MessageToDict(r.response)
                got = data["data"].get("ndarray") or np.array(data["data"]["tensor"]["values"]).reshape(2, 10).tolist()
                check(
                    "unit: SeldonClient.microservice() " + payload_type + " has TensorFlow's scores",
                    all(abs(g - w) <= 1e-5 for row, wrow in zip(got, want[:2]) for g, w in zip(row, wrow)),
                    f"got {got}",
                )
        contract = os.path.join(work_dir, "mnist-contract.json")
        with open(contract, "w") as f:
            json.dump({
                "features": [{"name": "pixel", "ftype": "continuous", "dtype": "FLOAT", "range": [0, 1], "repeat": 784}],
                "targets": [{"name": "class", "ftype": "continuous", "dtype": "FLOAT", "range": [0, 1], "repeat": 10}],
            }, f)
        tester = os.path.join(os.path.dirname(sys.executable), "seldon-core-microservice-tester")
        for endpoint in ["predict", "transform-input"]:
            t = subprocess.run([tester, contract, "127.0.0.1", str(unit), "--endpoint", endpoint, "-p", "-n", "2"],
                               capture_output=True, text=True, timeout=120)
            check(
                f"unit: seldon-core-microservice-tester --endpoint {endpoint} gets answers",
                t.returncode == 0 and t.stdout.count("RECEIVED RESPONSE") == 2 and "status" not in t.stdout
                and ("t:9" in t.stdout or endpoint == "transform-input"),
                t.stdout[-500:] + t.stderr[-500:],
            )
        t = subprocess.run([tester, contract, "127.0.0.1", str(unit), "--endpoint", "send-feedback", "-p", "-n", "3"],
                           capture_output=True, text=True, timeout=120)
        check_equal("unit: seldon-core-microservice-tester --endpoint send-feedback", (t.returncode, t.stdout.count("RECEIVED RESPONSE")), (0, 3))
        text = requests.get(f"http://127.0.0.1:{metrics}/prometheus", timeout=5).text
        counts = [line.split()[-1] for line in text.splitlines() if line.startswith("seldon_api_model_feedback_total{")]
        rewards = [line.split()[-1] for line in text.splitlines() if line.startswith("seldon_api_model_feedback_reward_total{")]
        check_equal("unit: the metrics port counts the feedback with the wrapper's names", (counts, rewards), (["3.0"], ["3.0"]))
        check("unit: the metrics labels name the unit", 'model_name="mnist-model"' in text and 'deployment_name="tfserving"' in text, text)
        check_equal("unit: /metrics answers too", requests.get(f"http://127.0.0.1:{metrics}/metrics", timeout=5).text, text)
    finally:
        down = seldon_local("down", "tfserving")
        check_equal("unit: down", down.returncode, 0)


def logged_sdep(path, name, url=None):
    """The tfserving example with `logger: {mode: all}` on its node (no `url`: the default broker)."""
    models = os.path.join(os.path.dirname(os.path.dirname(UNITS_DIR)), "examples/tfserving-mnist/models/tf1")
    logger = {"mode": "all"} if url is None else {"mode": "all", "url": url}
    sdep = {
        "apiVersion": "machinelearning.seldon.io/v1",
        "kind": "SeldonDeployment",
        "metadata": {"name": name},
        "spec": {"predictors": [{"name": "default", "graph": {
            "name": "mnist-model", "implementation": "TENSORFLOW_SERVER", "modelUri": models, "logger": logger,
            "parameters": [{"name": "signature_name", "type": "STRING", "value": "predict_images"},
                           {"name": "model_name", "type": "STRING", "value": "mnist-model"}]}}]},
    }
    with open(path, "w") as f:
        json.dump(sdep, f)  # JSON is YAML
    return path


def check_cloudevent(name, event, puids, kind):
    """The upstream executor's attributes on a CloudEvent the `cloudevents` package parsed."""
    want_type = "io.seldon.serving.inference." + kind
    problems = []
    if event["specversion"] != "1.0":
        problems.append(f"specversion {event['specversion']}")
    if event["type"] != want_type:
        problems.append(f"type {event['type']}")
    for attribute, value in [("modelid", "mnist-model"), ("inferenceservicename", name), ("namespace", "default"),
                             ("endpoint", "default"), ("protocol", "seldon")]:
        if event.get(attribute) != value:
            problems.append(f"{attribute}={event.get(attribute)!r}")
    if event.get("requestid") not in puids:
        problems.append(f"requestid {event.get('requestid')} is no puid")
    if len(event["id"]) != 36 or not event["source"] or not event["time"]:
        problems.append(f"id/source/time {event['id']!r} {event['source']!r} {event['time']!r}")
    data = event.data if isinstance(event.data, dict) else json.loads(event.data)
    if "data" not in data:
        problems.append(f"data {str(data)[:100]}")
    return problems


def check_request_logger(work_dir):
    """`logger: {mode: all}` on the tfserving example's node: after N predictions the builtin sink
    (the default broker) holds exactly N request and N response events, each a valid CloudEvent
    for the `cloudevents` package with the upstream attributes; a logger `url` of our own
    receiver gets the same events over HTTP, as sent."""
    import http.server
    import threading

    try:
        from cloudevents.http import from_http
    except ImportError:
        from cloudevents.v1.http import from_http

    root = os.path.dirname(os.path.dirname(UNITS_DIR))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELDON_LOCAL_")}
    env["SELDON_LOCAL_STATE_DIR"] = os.path.join(work_dir, "state-logger")
    env["NO_COLOR"] = "1"

    def seldon_local(*args):
        return subprocess.run([BINARY, *args], cwd=root, env=env, capture_output=True, text=True, timeout=300)

    received, errors = [], []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                received.append(from_http(dict(self.headers.items()), body))
            except Exception as e:  # noqa: BLE001 - any parse failure is a finding
                errors.append(repr(e))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    n = 10
    pixels = json.dumps([[0.5] * 784])
    try:
        for name, url in [("logged", None), ("logged-url", f"http://127.0.0.1:{server.server_address[1]}/")]:
            path = logged_sdep(os.path.join(work_dir, name + ".json"), name, url)
            up = seldon_local("up", "--runtime", "embedded", "-d", path)
            check_equal(f"logger {name}: up", up.returncode, 0)
            if up.returncode != 0:
                print(up.stderr)
                continue
            try:
                engine = next(e for e in json.loads(seldon_local("ps", name, "-o", "json").stdout)
                              if e["container"] == "seldon-container-engine")
                base = "http://127.0.0.1:%d" % {p["container_port"]: p["host_port"] for p in engine["ports"]}[8000]
                puids = set()
                for _ in range(n):
                    r = requests.post(base + "/api/v1.0/predictions", data=json.dumps({"data": {"ndarray": json.loads(pixels)}}),
                                      headers={"Content-Type": "application/json"}, timeout=10)
                    puids.add(r.headers.get("Seldon-Puid"))
                check_equal(f"logger {name}: {n} predictions answered", len(puids), n)
                deadline = time.monotonic() + 10
                while True:
                    if url is None:
                        out = seldon_local("logs", name, "--requests", "-o", "json")
                        stored = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
                        events = []
                        for e in stored:
                            try:
                                events.append(from_http(e["headers"], json.dumps(e["data"])))
                            except Exception as ex:  # noqa: BLE001
                                errors.append(repr(ex))
                    else:
                        events = list(received)
                    if len(events) >= 2 * n or time.monotonic() > deadline:
                        break
                    time.sleep(0.1)
                time.sleep(0.3)
                if url is not None:
                    events = list(received)
                kinds = [e["type"].rsplit(".", 1)[-1] for e in events]
                check_equal(f"logger {name}: exactly N requests and N responses", (kinds.count("request"), kinds.count("response"), len(events)), (n, n, 2 * n))
                check_equal(f"logger {name}: every event parses with the cloudevents package", errors, [])
                problems = [p for e in events for p in check_cloudevent(name, e, puids, e["type"].rsplit(".", 1)[-1])]
                check_equal(f"logger {name}: upstream attributes on every event", problems[:5], [])
                pairs = {(e["requestid"], e["type"]) for e in events}
                check_equal(f"logger {name}: a request and a response per puid", len(pairs), 2 * n)
            finally:
                down = seldon_local("down", name)
                check_equal(f"logger {name}: down", down.returncode, 0)
    finally:
        server.shutdown()


def check_grpc(units, feedback_dir):
    a, b = units["model-a"], units["model-b"]
    graphs = {
        "model": node(a, "MODEL"),
        "transformer>model": node(units["transformer"], "TRANSFORMER", [node(a, "MODEL")]),
        "router=1": node(units["router-1"], "ROUTER", [node(a, "MODEL"), node(b, "MODEL")]),
        "combiner": node(units["combiner"], "COMBINER", [node(a, "MODEL"), node(b, "MODEL")]),
        "output transformer": node(units["negate"], "OUTPUT_TRANSFORMER", [node(a, "MODEL")]),
    }
    tensor = {"data": {"names": ["a", "b"], "tensor": {"shape": [1, 2], "values": [1, 2]}}}
    for name, graph in graphs.items():
        with Executor(graph, transport="grpc") as ex:
            for kind, body in (("ndarray", REQUEST), ("tensor", tensor)):
                rest = ex.post("/api/v1.0/predictions", body).json()
                got = ex.grpc("Predict", body, metadata=(("seldon", "conformance"), ("namespace", "default")))
                check_equal(f"grpc {name} ({kind}): the same data and meta as REST", got, rest)

    # SeldonClient, as a user calls an engine's gRPC port.
    from seldon_core.seldon_client import SeldonClient
    import numpy as np

    router = graphs["router=1"]
    with Executor(router, {"SELDON_ENABLE_ROUTING_INJECTION": "true"}, transport="grpc") as ex:
        client = SeldonClient(
            gateway="seldon", transport="grpc", deployment_name="conformance", namespace="default",
            gateway_endpoint=f"127.0.0.1:{ex.grpc_port}",
        )
        for kind in ("ndarray", "tensor"):
            result = client.predict(data=np.array([[1, 2]]), payload_type=kind, names=["a", "b"])
            check(f"SeldonClient grpc predict ({kind}): success", result.success, result.msg)
            if result.success:
                from google.protobuf import json_format

                # SeldonClient already gives the reply as a dict (MessageToDict).
                reply = result.response
                if not isinstance(reply, dict):
                    reply = json_format.MessageToDict(reply)
                data = reply.get("data", {})
                values = data.get("ndarray") or [data.get("tensor", {}).get("values")]
                check_equal(f"SeldonClient grpc predict ({kind}): child 1's answer", values, [[3, 6]])
                check_equal(f"SeldonClient grpc predict ({kind}): routing", reply.get("meta", {}).get("routing"), {"router-1": 1, "model-b": -1})
        for path in ("model-a", "model-b"):
            marker = os.path.join(feedback_dir, path)
            if os.path.exists(marker):
                os.remove(marker)
        request = json_format_parse(REQUEST)
        response = json_format_parse({"data": {"ndarray": [[3, 6]]}, "meta": {"routing": {"router-1": 1}}})
        result = client.feedback(prediction_request=request, prediction_response=response, reward=1.0)
        check("SeldonClient grpc feedback: success", result.success, result.msg)
        check("SeldonClient grpc feedback: routed to child 1", os.path.exists(os.path.join(feedback_dir, "model-b")), os.listdir(feedback_dir))
        check("SeldonClient grpc feedback: not sent to child 0", not os.path.exists(os.path.join(feedback_dir, "model-a")), os.listdir(feedback_dir))

    # Errors: a unit's gRPC error, and a unit that is down.
    with Executor(node(a, "MODEL"), transport="grpc") as ex:
        import grpc

        got = ex.grpc("Predict", {"strData": "not an array"})
        check("grpc: a unit's error is a gRPC status", isinstance(got, grpc.RpcError) and got.code() != grpc.StatusCode.OK and got.details(), repr(got))
        got = ex.grpc("Predict", REQUEST)
        check("grpc: the executor still serves", isinstance(got, dict) and "data" in got, repr(got))
    down = {"name": "down", "port": free_port(), "grpc_port": free_port()}
    with Executor(node(down, "MODEL"), transport="grpc") as ex:
        got = ex.grpc("Predict", REQUEST)
        check("grpc: a unit that is down is UNAVAILABLE", isinstance(got, grpc.RpcError) and got.code() == grpc.StatusCode.UNAVAILABLE, repr(got))


def json_format_parse(body):
    from google.protobuf import json_format
    from seldon_core.proto import prediction_pb2

    return json_format.ParseDict(body, prediction_pb2.SeldonMessage())


def main():
    started = time.monotonic()
    feedback_dir = tempfile.mkdtemp(prefix="seldon-local-conformance-")
    units = {
        "model-a": start_unit("model-a", "Doubler", "MODEL", [{"name": "factor", "value": "2", "type": "INT"}], feedback_dir),
        "model-b": start_unit("model-b", "Doubler", "MODEL", [{"name": "factor", "value": "3", "type": "INT"}], feedback_dir),
        "transformer": start_unit("transformer", "AddOne", "TRANSFORMER", [], feedback_dir),
        "negate": start_unit("negate", "Negate", "TRANSFORMER", [], feedback_dir),
        "combiner": start_unit("combiner", "Mean", "COMBINER", [], feedback_dir),
        "router-1": start_unit("router-1", "FixedRouter", "ROUTER", [{"name": "route", "value": "1", "type": "INT"}], feedback_dir),
        "router-m2": start_unit("router-m2", "FixedRouter", "ROUTER", [{"name": "route", "value": "-2", "type": "INT"}], feedback_dir),
        "router-9": start_unit("router-9", "FixedRouter", "ROUTER", [{"name": "route", "value": "9", "type": "INT"}], feedback_dir),
    }
    for unit in units.values():
        wait_for(f"http://127.0.0.1:{unit['port']}/health/ping", unit["name"])
    print(f"units ready after {time.monotonic() - started:.1f}s")

    a, b = units["model-a"], units["model-b"]

    # 1. A single model: the executor returns the unit's answer unchanged.
    with Executor(node(a, "MODEL")) as ex:
        direct = requests.post(f"http://127.0.0.1:{a['port']}/predict", json=REQUEST, timeout=10)
        r = ex.post("/api/v1.0/predictions", REQUEST)
        check_equal("model: status", r.status_code, 200)
        check_equal("model: answer equals the unit's own answer", r.json(), direct.json())
        check_equal(
            "model: data and meta",
            r.json(),
            {"data": {"names": ["t:0", "t:1"], "ndarray": [[2, 4]]},
             "meta": {"requestPath": {"model-a": image("model-a")}, "tags": {"model_factor": 2}}},
        )
        check("model: no meta.puid is added", "puid" not in r.json()["meta"], r.text)
        puid = r.headers.get("Seldon-Puid", "")
        check("model: a Seldon-Puid header is generated", len(puid) == 36, puid)
        r = ex.post("/api/v1.0/predictions", REQUEST, headers={"Seldon-Puid": "conformance-puid"})
        check_equal("model: the client's Seldon-Puid is echoed", r.headers.get("Seldon-Puid"), "conformance-puid")
        tensor = {"data": {"tensor": {"shape": [1, 2], "values": [1, 2]}}}
        r = ex.post("/api/v1.0/predictions", tensor)
        check_equal("model: tensor in gives tensor out", r.json()["data"], {"names": ["t:0", "t:1"], "tensor": {"shape": [1, 2], "values": [2, 4]}})
        bad = {"foo": 1}
        direct = requests.post(f"http://127.0.0.1:{a['port']}/predict", json=bad, timeout=10)
        r = ex.post("/api/v1.0/predictions", bad)
        check_equal("model: a unit's 400 passes through (status)", r.status_code, direct.status_code)
        check_equal("model: a unit's 400 passes through (body)", r.json(), direct.json())
        r = requests.post(ex.base + "/api/v1.0/predictions", data="{not json", headers={"Content-Type": "application/json"}, timeout=10)
        check_equal("model: malformed JSON is the unit's 400", (r.status_code, r.json()["status"]["reason"]), (400, "MICROSERVICE_BAD_DATA"))
        direct = requests.get(f"http://127.0.0.1:{a['port']}/metadata", timeout=10)
        r = requests.get(ex.base + "/api/v1.0/metadata/model-a", timeout=10)
        check_equal("model: unit metadata passes through", r.json(), direct.json())
        r = requests.get(ex.base + "/api/v1.0/metadata", timeout=10)
        check_equal("model: graph metadata names the unit", sorted(r.json()["models"]), ["model-a"])
        check_equal("model: /ready", requests.get(ex.base + "/ready", timeout=10).status_code, 200)

    # 2. Transformer then model: meta accumulates through the units.
    with Executor(node(units["transformer"], "TRANSFORMER", [node(a, "MODEL")])) as ex:
        r = ex.post("/api/v1.0/predictions", REQUEST)
        check_equal(
            "transformer>model: data, requestPath and tags",
            r.json(),
            {"data": {"names": ["t:0", "t:1"], "ndarray": [[4, 6]]},
             "meta": {"requestPath": {"model-a": image("model-a"), "transformer": image("transformer")},
                      "tags": {"model_factor": 2, "transformer": "addone"}}},
        )

    # 3. Router choosing child 1: only that child runs; routing is not returned.
    router = node(units["router-1"], "ROUTER", [node(a, "MODEL"), node(b, "MODEL")])
    with Executor(router) as ex:
        r = ex.post("/api/v1.0/predictions", REQUEST)
        check_equal(
            "router=1: child 1 answers",
            r.json(),
            {"data": {"names": ["t:0", "t:1"], "ndarray": [[3, 6]]},
             "meta": {"requestPath": {"model-b": image("model-b")}, "tags": {"model_factor": 3}}},
        )
        feedback = {
            "request": REQUEST,
            "response": {"data": {"ndarray": [[3, 6]]}, "meta": {"routing": {"router-1": 1}}},
            "reward": 1.0,
        }
        r = ex.post("/api/v1.0/feedback", feedback)
        check_equal("feedback: status", r.status_code, 200)
        check("feedback: the router's own reply", r.json().get("meta", {}).get("requestPath", {}).get("router-1") == image("router-1"), r.text)
        check("feedback: routed to child 1", os.path.exists(os.path.join(feedback_dir, "model-b")), os.listdir(feedback_dir))
        check("feedback: not sent to child 0", not os.path.exists(os.path.join(feedback_dir, "model-a")), os.listdir(feedback_dir))

    # 4. The same router with SELDON_ENABLE_ROUTING_INJECTION.
    with Executor(router, {"SELDON_ENABLE_ROUTING_INJECTION": "true"}) as ex:
        r = ex.post("/api/v1.0/predictions", REQUEST)
        check_equal("router=1 with injection: meta.routing", r.json()["meta"].get("routing"), {"router-1": 1, "model-b": -1})

    # 5. Router -2: the request comes back unchanged.
    with Executor(node(units["router-m2"], "ROUTER", [node(a, "MODEL"), node(b, "MODEL")])) as ex:
        body = json.dumps(REQUEST)
        r = requests.post(ex.base + "/api/v1.0/predictions", data=body, headers={"Content-Type": "application/json"}, timeout=10)
        check_equal("router=-2: the request is returned", (r.status_code, r.text), (200, body))

    # 6. Router out of range: a clean error (upstream drops the connection).
    with Executor(node(units["router-9"], "ROUTER", [node(a, "MODEL"), node(b, "MODEL")])) as ex:
        r = ex.post("/api/v1.0/predictions", REQUEST)
        check_equal("router=9 (2 children): 500 ENGINE_INVALID_ROUTING", (r.status_code, r.json()["status"]["reason"]), (500, "ENGINE_INVALID_ROUTING"))

    # 7. Combiner over two models.
    with Executor(node(units["combiner"], "COMBINER", [node(a, "MODEL"), node(b, "MODEL")])) as ex:
        r = ex.post("/api/v1.0/predictions", REQUEST)
        check_equal(
            "combiner: mean, merged requestPath and tags",
            r.json(),
            {"data": {"names": ["t:0", "t:1"], "ndarray": [[2.5, 5.0]]},
             "meta": {"requestPath": {"combiner": image("combiner"), "model-a": image("model-a"), "model-b": image("model-b")},
                      "tags": {"combiner": "mean", "model_factor": 3}}},
        )

    # 8. Output transformer over a model.
    with Executor(node(units["negate"], "OUTPUT_TRANSFORMER", [node(a, "MODEL")])) as ex:
        r = ex.post("/api/v1.0/predictions", REQUEST)
        check_equal(
            "output transformer: negated model output",
            r.json(),
            {"data": {"names": ["t:0", "t:1"], "ndarray": [[-2, -4]]},
             "meta": {"requestPath": {"model-a": image("model-a"), "negate": image("negate")}, "tags": {"model_factor": 2}}},
        )

    # 9. A unit that is down: 500 with a FAILURE status.
    down = {"name": "down", "port": free_port()}
    with Executor(node(down, "MODEL")) as ex:
        r = ex.post("/api/v1.0/predictions", REQUEST)
        check_equal("unit down: 500 FAILURE", (r.status_code, r.json()["status"]["status"]), (500, "FAILURE"))
        check_equal("unit down: /ready is 503", requests.get(ex.base + "/ready", timeout=10).status_code, 503)

    # 10. The same graphs over gRPC: the executor's gRPC API calls the units' gRPC servers, and
    # answers as the REST API does.
    check_grpc(units, feedback_dir)

    # 11. The mnist-graph example on the embedded runtime, its own units played by the real
    # wrapper through `--exec`: they read the ports, parameters and ids the operator's env gives
    # them, rewritten to host ports.
    check_graph_example_with_the_real_wrapper(feedback_dir)

    # 12. The tfserving example's unit (our proxy) with the wrapper's own client tools, and its
    # metrics port.
    check_unit_api_with_the_real_clients(feedback_dir)

    # 13. The request logger: the builtin sink and an own receiver, events checked with the
    # `cloudevents` package.
    check_request_logger(feedback_dir)

    passed = sum(RESULTS)
    failed = len(RESULTS) - passed
    print(f"took {time.monotonic() - started:.1f}s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        code = main()
    finally:
        # Each unit runs in its own session: SIGINT is gunicorn's quick shutdown, and the group
        # also holds its workers and its gRPC/metrics servers.
        for p in PROCESSES:
            os.killpg(p.pid, signal.SIGINT)
        for p in PROCESSES:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
    sys.exit(code)
