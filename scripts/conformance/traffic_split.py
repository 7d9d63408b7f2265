"""The traffic-split example through the ingress: N calls (10,000 by default), the split within
2 points of 75/25, never an answer from the shadow, the shadow served a copy of every call; on
Docker, the shadow's containers are then killed and N more calls must all still succeed. Prints
one line per check and ends with `N passed, M failed`.

Usage: python traffic_split.py <seldon-local binary> <repository root> [embedded|docker] [N]
"""

import http.client
import json
import os
import subprocess
import sys
import tempfile
import time

BINARY, ROOT = sys.argv[1], sys.argv[2]
RUNTIME = sys.argv[3] if len(sys.argv) > 3 else "embedded"
N = int(sys.argv[4]) if len(sys.argv) > 4 else 10000
RESULTS = []


def check(name, ok, detail=""):
    RESULTS.append((name, ok))
    print(f"{'ok  ' if ok else 'FAIL'}  {name}{': ' + detail if detail else ''}", flush=True)


def served(address):
    """Predictions an engine served, from its Prometheus metrics."""
    host, port = address.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", "/prometheus")
    text = conn.getresponse().read().decode()
    return sum(
        int(float(line.rsplit(" ", 1)[1]))
        for line in text.splitlines()
        if line.startswith("seldon_api_executor_server_requests_seconds_count")
        and 'service="predictions"' in line
    )


def send(hostport, path, body, n):
    host, port = hostport.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    counts, errors = {}, 0
    for _ in range(n):
        conn.request("POST", path, body, {"Content-Type": "application/json"})
        reply = conn.getresponse()
        reply.read()
        if reply.status != 200:
            errors += 1
        predictor = reply.getheader("seldon-predictor")
        counts[predictor] = counts.get(predictor, 0) + 1
    return counts, errors


def main():
    state = tempfile.mkdtemp(prefix="seldon-local-traffic-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELDON_LOCAL_")}
    env["SELDON_LOCAL_STATE_DIR"] = state
    env["SELDON_LOCAL_INGRESS_PORT"] = os.environ.get("SELDON_LOCAL_INGRESS_PORT", "0")
    sdep = os.path.join(ROOT, "examples/traffic-split/sdep.yaml")
    done = subprocess.run(
        [BINARY, "up", "--runtime", RUNTIME, "-d", "-o", "json", sdep],
        env=env, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        print(done.stderr)
        print("0 passed, 1 failed")
        return 1
    try:
        running = json.loads(done.stdout)[0]
        gateway = running["endpoints"][0]["address"]
        hostport = gateway.split("/")[2]
        path = "/" + gateway.split("/", 3)[3] + "/api/v1.0/predictions"
        engines = {
            e["predictor"]: e["address"]
            for e in running["endpoints"]
            if e["name"] == "engine" and e["protocol"] == "rest"
        }
        body = open(os.path.join(ROOT, "examples/traffic-split/request.json"), "rb").read()
        started = time.time()
        counts, errors = send(hostport, path, body, N)
        took = time.time() - started
        check(f"{N} calls through the ingress all answered 200", errors == 0, f"{errors} errors")
        share = 100.0 * counts.get("main", 0) / N
        check(
            "the split is 75/25 within 2 points",
            abs(share - 75.0) <= 2.0,
            f"main {share:.2f}%, canary {100.0 * counts.get('canary', 0) / N:.2f}% "
            f"({N / took:.0f} calls/s)",
        )
        check("no answer came from the shadow", counts.get("shadow", 0) == 0, str(counts))
        deadline = time.time() + 60
        while served(engines["shadow"]) < N and time.time() < deadline:
            time.sleep(0.1)
        got = served(engines["shadow"])
        check("the shadow served a copy of every call", got == N, f"{got} of {N}")
        if RUNTIME == "docker":
            ids = subprocess.run(
                ["docker", "ps", "-q", "--filter", "label=seldon-local/deployment=traffic",
                 "--filter", "label=seldon-local/predictor=shadow"],
                capture_output=True, text=True, check=True,
            ).stdout.split()
            subprocess.run(["docker", "kill", *ids], capture_output=True, check=False)
            counts, errors = send(hostport, path, body, N)
            check(
                f"with the shadow killed ({len(ids)} containers), {N} more calls all answered",
                errors == 0 and counts.get("shadow", 0) == 0 and len(ids) > 0,
                f"{errors} errors, {counts}",
            )
    finally:
        subprocess.run([BINARY, "down", "traffic"], env=env, capture_output=True, check=False)
    failed = sum(1 for _, ok in RESULTS if not ok)
    print(f"{len(RESULTS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
