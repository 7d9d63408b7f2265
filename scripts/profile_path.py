"""The driver of scripts/profile-path.sh: where the CPU of one request goes, per path.

Runs the shipped example (examples/tfserving-mnist) on the embedded runtime in the foreground
under valgrind's callgrind, then for each path (the model server directly, the proxy, the engine)
sends WARMUP requests, zeroes callgrind's counters, sends N requests one after another on one
keep-alive connection, and dumps the counters. Callgrind counts instructions, not time: the
figures repeat to a fraction of a percent on a loaded machine, so two builds can be compared
on a fixed number of requests. Prints the instructions per request of each path (everything the
process did for it: every role, the kernel excluded) and the top functions of each dump, and
leaves the dumps in OUT for callgrind_annotate / kcachegrind.

Usage: profile_path.py BINARY OUT   (env: N=200, WARMUP=20, BODY=seldon1|seldon32, TOP=25,
       SELDON_LOCAL_STATE_DIR)
"""
import glob
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
EXAMPLE = os.path.join(ROOT, "examples", "tfserving-mnist")


def bodies():
    row = json.load(open(os.path.join(EXAMPLE, "request.json")))["data"]["ndarray"]
    rows = json.load(open(os.path.join(EXAMPLE, "heldout.json")))["inputs"][:32]
    return {
        "seldon1": (json.dumps({"data": {"ndarray": row}}),
                    json.dumps({"signature_name": "predict_images", "instances": row})),
        "seldon32": (json.dumps({"data": {"ndarray": rows}}),
                     json.dumps({"signature_name": "predict_images", "instances": rows})),
    }


def wait_endpoints(state_dir, process, deadline_s=900):
    path = os.path.join(state_dir, "tfserving", "state.json")
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the deployment exited ({process.returncode}) before it was ready")
        try:
            state = json.load(open(path))
            return {e["name"]: e["address"] for e in state["endpoints"]
                    if e["protocol"] == "rest"}
        except (FileNotFoundError, json.JSONDecodeError, KeyError):
            time.sleep(0.5)
    sys.exit("the deployment was not ready in time")


def post_many(url, body, n):
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    for _ in range(n):
        connection.request("POST", parts.path, body=body,
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        reply = response.read()
        if response.status != 200:
            sys.exit(f"{url} answered {response.status}: {reply[:300]!r}")
    connection.close()


def control(pid, flag):
    subprocess.run(["callgrind_control", flag, str(pid)], check=True, capture_output=True)


def totals(dump):
    out = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100", dump],
                         check=True, text=True, capture_output=True).stdout
    return out


def main():
    binary, out = sys.argv[1], sys.argv[2]
    n = int(os.environ.get("N", "200"))
    warmup = int(os.environ.get("WARMUP", "20"))
    top = int(os.environ.get("TOP", "25"))
    seldon, tf = bodies()[os.environ.get("BODY", "seldon1")]
    os.makedirs(out, exist_ok=True)
    state_dir = os.environ["SELDON_LOCAL_STATE_DIR"]
    process = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/callgrind.out.%p",
         "--separate-threads=no", binary, "-q", "up", "--runtime", "embedded",
         os.path.join(EXAMPLE, "sdep.yaml")],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(out, "valgrind.log"), "w"))
    try:
        rest = wait_endpoints(state_dir, process)
        paths = [("tf", rest["tensorflow-server"] + "/v1/models/mnist-model:predict", tf),
                 ("proxy", rest["mnist-model"] + "/api/v1.0/predictions", seldon),
                 ("engine", rest["engine"] + "/api/v1.0/predictions", seldon)]
        results = []
        for name, url, body in paths:
            post_many(url, body, warmup)
            control(process.pid, "-z")
            post_many(url, body, n)
            pattern = f"{out}/callgrind.out.{process.pid}*"
            before = set(glob.glob(pattern))
            control(process.pid, "-d")
            deadline = time.monotonic() + 120
            while not (new := set(glob.glob(pattern)) - before):
                if time.monotonic() > deadline:
                    sys.exit("callgrind wrote no dump")
                time.sleep(0.2)
            time.sleep(1)  # the dump is written in one go, but give it a moment to be closed
            dump = sorted(new)[-1]
            named = os.path.join(out, f"{name}.callgrind")
            os.replace(dump, named)
            text = totals(named)
            total = int(next(l for l in text.splitlines() if "PROGRAM TOTALS" in l)
                        .split()[0].replace(",", ""))
            results.append((name, total / n, text))
    finally:
        process.send_signal(2)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
    print(f"\ninstructions per request ({n} sequential requests on one connection, "
          f"body {os.environ.get('BODY', 'seldon1')}, callgrind)\n")
    print("| path | instructions/request |")
    print("|---|---|")
    per = {}
    for name, value, _ in results:
        per[name] = value
        print(f"| {name} | {value:,.0f} |")
    print(f"| proxy hop (proxy - tf) | {per['proxy'] - per['tf']:,.0f} |")
    print(f"| engine hop (engine - proxy) | {per['engine'] - per['proxy']:,.0f} |")
    for name, _, text in results:
        lines = text.splitlines()
        start = next(i for i, l in enumerate(lines) if "file:function" in l)
        print(f"\n{name}: top functions (exclusive instructions, all {n} requests)")
        for line in lines[start + 2:start + 2 + top]:
            print("  " + line.strip()[:160])


if __name__ == "__main__":
    main()
