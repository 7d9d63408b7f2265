"""The driver of scripts/bench-prepacks.sh: the iris classifier (examples/sklearn-iris) on the
embedded runtime, through the engine and called directly, for both Python stacks.

Starts examples/sklearn-iris/sdep.yaml (the real seldon-core-microservice with seldon-local's
SKLearnServer) and sdep-v2.yaml (the real MLServer 1.7.1 with mlserver-sklearn), both on the
embedded runtime, then loads each path with wrk in alternating rounds (round 1 runs every cell
once, then round 2, ...) and prints medians: req/s, p50, and the CPU cores the embedded process
(the engine) and the Python unit's process group used over the cell. Paths, at c=1 and c=32:
- seldon protocol: the engine (`/api/v1.0/predictions`) and the same unit directly;
- v2: the engine (`/v2/models/classifier/infer`) and MLServer directly.
Then the ratios that say whether the engine's hop is the bottleneck.

Usage: bench_prepacks.py BINARY PROFILE   (env: ROUNDS, SECONDS_PER_CELL, SELDON_LOCAL_STATE_DIR)
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
EXAMPLE = os.path.join(ROOT, "examples", "sklearn-iris")
TICK = os.sysconf("SC_CLK_TCK")
WRK_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
"""


def now():
    return time.perf_counter()


def run(*args, **kw):
    return subprocess.run(args, check=True, text=True, capture_output=True, **kw)


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / TICK


def group_pids(pgid):
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == pgid:
                    pids.append(int(entry))
            except (ProcessLookupError, PermissionError):
                pass
    return pids


def to_ms(value, unit):
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def wrk(url, body, connections, seconds, lua):
    threads = min(connections, 2)
    out = run("wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
              "-s", lua, url, env={**os.environ, "BENCH_BODY": body}).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if bad or (errors and re.search(r"read [1-9]|write [1-9]|timeout [1-9]", errors.group(1))):
        sys.exit(f"errors under load on {url}:\n{out}")
    return rps, to_ms(*p50.groups())


def post(url, body):
    with open(body, "rb") as f:
        request = urllib.request.Request(url, data=f.read(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def up(binary, sdep):
    out = run(binary, "-q", "up", "--runtime", "embedded", "-d", "-o", "json", sdep).stdout
    running = json.loads(out)[0]
    name = running["deployment"]
    with open(os.path.join(os.environ["SELDON_LOCAL_STATE_DIR"], name, "state.json")) as f:
        state = json.load(f)
    rest = {e["name"]: e["address"] for e in running["endpoints"] if e["protocol"] == "rest"}
    return name, rest, state


def unit_group(state, embedded_pid):
    """The process group of the Python unit: the `--exec`-style process the embedded runtime
    started (its pid is in state.json), else any process group whose leader's parent is the
    embedded process."""
    text = json.dumps(state)
    for pid in map(int, re.findall(r'"pid":\s*(\d+)', text)):
        if pid != embedded_pid and os.path.exists(f"/proc/{pid}"):
            return os.getpgid(pid)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == embedded_pid and os.getpgid(int(entry)) == int(entry):
                    return int(entry)
            except (FileNotFoundError, ProcessLookupError):
                pass
    sys.exit("the Python unit's process was not found")


def main():
    binary, profile = sys.argv[1], sys.argv[2]
    rounds = int(os.environ.get("ROUNDS", "3"))
    seconds = int(os.environ.get("SECONDS_PER_CELL", "3"))
    tmp = tempfile.mkdtemp()
    lua = os.path.join(tmp, "post.lua")
    with open(lua, "w") as f:
        f.write(WRK_LUA)
    seldon_body = os.path.join(EXAMPLE, "request.json")
    with open(seldon_body) as f:
        row = json.load(f)["data"]["ndarray"][0]
    v2_body = os.path.join(tmp, "v2.json")
    with open(v2_body, "w") as f:
        json.dump({"inputs": [{"name": "input-0", "shape": [1, len(row)], "datatype": "FP64", "data": row}]}, f)

    print("starting examples/sklearn-iris/sdep.yaml and sdep-v2.yaml (embedded)", file=sys.stderr)
    names = []
    try:
        seldon_name, seldon_rest, seldon_state = up(binary, os.path.join(EXAMPLE, "sdep.yaml"))
        names.append(seldon_name)
        v2_name, v2_rest, v2_state = up(binary, os.path.join(EXAMPLE, "sdep-v2.yaml"))
        names.append(v2_name)
        seldon_pid, v2_pid = seldon_state["pid"], v2_state["pid"]
        seldon_unit, v2_unit = unit_group(seldon_state, seldon_pid), unit_group(v2_state, v2_pid)

        def cores_of(pid, group):
            return lambda: ([pid], group_pids(group))

        paths = {
            "seldon-engine": (seldon_rest["engine"] + "/api/v1.0/predictions", seldon_body,
                              cores_of(seldon_pid, seldon_unit)),
            "seldon-direct": (seldon_rest["classifier"] + "/api/v1.0/predictions", seldon_body,
                              cores_of(seldon_pid, seldon_unit)),
            "v2-engine": (v2_rest["engine"] + "/v2/models/classifier/infer", v2_body, cores_of(v2_pid, v2_unit)),
            "v2-direct": (v2_rest["classifier"] + "/v2/models/classifier/infer", v2_body,
                          cores_of(v2_pid, v2_unit)),
        }
        # Every path answers, with the same prediction, before any load.
        answers = {}
        for path, (url, body, _) in paths.items():
            for _ in range(3):
                answers[path] = post(url, body)
        assert answers["seldon-engine"]["data"] == answers["seldon-direct"]["data"], answers
        assert answers["v2-engine"]["outputs"] == answers["v2-direct"]["outputs"], answers

        cells = [(path, c) for c in (1, 32) for path in paths]
        results = {}
        for r in range(rounds):
            print(f"round {r + 1}/{rounds}", file=sys.stderr)
            for path, c in cells:
                url, body, pids = paths[path]
                engine_pids, unit_pids = pids()
                e0, u0, t0 = cpu_seconds(engine_pids), cpu_seconds(unit_pids), now()
                rps, p50 = wrk(url, body, c, seconds, lua)
                wall = now() - t0
                engine_cores = (cpu_seconds(engine_pids) - e0) / wall
                unit_cores = (cpu_seconds(unit_pids) - u0) / wall
                results.setdefault((path, c), []).append((rps, p50, engine_cores, unit_cores))
    finally:
        for name in names:
            subprocess.run([binary, "-q", "down", name], capture_output=True)

    med = {k: tuple(statistics.median(x[i] for x in v) for i in range(4)) for k, v in results.items()}
    labels = {
        "seldon-direct": "seldon-core-microservice (SKLearnServer) directly",
        "seldon-engine": "engine -> seldon-core-microservice",
        "v2-direct": "MLServer 1.7.1 (mlserver-sklearn) directly",
        "v2-engine": "engine -> MLServer",
    }
    print(f"\nseldon-local {profile} build; medians of {rounds} alternating rounds, {seconds} s per cell, "
          f"wrk on the same host ({os.cpu_count()} cores); one iris row per request; cores = CPU used "
          f"over the cell by the embedded process (engine) and by the Python unit's processes\n")
    print("| path | c=1 req/s | c=1 p50 | c=32 req/s | c=32 p50 | c=32 engine cores | c=32 unit cores |")
    print("|---|---|---|---|---|---|---|")
    for path in ("seldon-direct", "seldon-engine", "v2-direct", "v2-engine"):
        a, b = med[(path, 1)], med[(path, 32)]
        print(f"| {labels[path]} | {a[0]:,.0f} | {a[1]:.2f} ms | {b[0]:,.0f} | {b[1]:.2f} ms | "
              f"{b[2]:.2f} | {b[3]:.2f} |")
    print()
    for stack, name in (("seldon", "seldon protocol"), ("v2", "v2 / MLServer")):
        for c in (1, 32):
            engine, direct = med[(f"{stack}-engine", c)], med[(f"{stack}-direct", c)]
            ratio = engine[0] / direct[0]
            added = engine[1] - direct[1]
            engine_cpu_ms = engine[2] / engine[0] * 1000 if engine[0] else float("nan")
            unit_cpu_ms = engine[3] / engine[0] * 1000 if engine[0] else float("nan")
            print(f"{name}, c={c}: through the engine / direct = {ratio:.2f}x req/s, p50 {added:+.2f} ms; "
                  f"CPU per request: engine {engine_cpu_ms:.3f} ms, Python unit {unit_cpu_ms:.3f} ms")
    print()
    verdicts = []
    for stack in ("seldon", "v2"):
        engine = med[(f"{stack}-engine", 32)]
        direct = med[(f"{stack}-direct", 32)]
        # The hop is the bottleneck if it costs a large share of the direct rate while the
        # engine itself, not the unit, is what burns the CPU.
        share = engine[2] / (engine[2] + engine[3]) if engine[2] + engine[3] else float("nan")
        ok = engine[0] / direct[0] >= 0.8 or share < 0.25
        verdicts.append(ok)
        print(f"[{'not the bottleneck' if ok else 'BOTTLENECK'}] {stack}: c=32 engine/direct "
              f"{engine[0] / direct[0]:.2f}x, the engine's share of the path's CPU {share:.0%}")


if __name__ == "__main__":
    main()
