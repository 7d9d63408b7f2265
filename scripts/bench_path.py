"""The driver of scripts/bench-path.sh: every figure of issue 17's table in one run.

Starts the shipped example (examples/tfserving-mnist) on the embedded runtime and a real Seldon
Python wrapper (seldon-core-microservice, scripts/bench/Softmax784.py), then loads each path with
wrk in alternating rounds (round 1 runs every cell once, then round 2, ...) and prints medians:
req/s, p50, and the CPU cores the serving process used (its utime + stime over the cell's wall
time, from /proc), hence req/s per core. Then the embedded `down` time, Docker `up` to ready,
RSS idle and after the batch-32 load, binary and image sizes, and the goals, each met or missed.

Usage: bench_path.py BINARY PYTHON_VENV   (env: ROUNDS, SECONDS, SELDON_LOCAL_STATE_DIR,
       COLD_BUILD_SECONDS, COLD_BUILD_BASE and COLD_BUILD_BASE_SECONDS, TF_VENV, DOCKER=0 to
       skip Docker)
"""
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
EXAMPLE = os.path.join(ROOT, "examples", "tfserving-mnist")
SDEP = os.path.join(EXAMPLE, "sdep.yaml")
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


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def to_ms(value, unit):
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def wrk(url, body, connections, seconds, lua):
    threads = min(connections, 2)
    out = run("wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
              "-s", lua, url, env={**os.environ, "BENCH_BODY": body}).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if bad or (errors and re.search(r"read [1-9]|write [1-9]|timeout [1-9]", errors.group(1))):
        sys.exit(f"errors under load on {url}:\n{out}")
    return rps, to_ms(*p50.groups())


def post(url, body):
    request = urllib.request.Request(url, data=open(body, "rb").read(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def wait_http(url, deadline_s=60):
    deadline = now() + deadline_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:
            if now() > deadline:
                sys.exit(f"{url} did not answer")
            time.sleep(0.05)


def bodies(tmp):
    seldon1 = os.path.join(EXAMPLE, "request.json")
    row = json.load(open(seldon1))["data"]["ndarray"]
    rows = json.load(open(os.path.join(EXAMPLE, "heldout.json")))["inputs"][:32]
    files = {}
    for name, doc in {
        "tf1": {"signature_name": "predict_images", "instances": row},
        "seldon32": {"data": {"ndarray": rows}},
        "tf32": {"signature_name": "predict_images", "instances": rows},
    }.items():
        files[name] = os.path.join(tmp, name + ".json")
        with open(files[name], "w") as f:
            json.dump(doc, f)
    files["seldon1"] = seldon1
    return files


def embedded_up(binary, sdep=SDEP, name="tfserving", env=None):
    t0 = now()
    out = run(binary, "-q", "up", "--runtime", "embedded", "-d", "-o", "json", sdep,
              env={**os.environ, **(env or {})}).stdout
    took = now() - t0
    endpoints = json.loads(out)[0]["endpoints"]
    state_dir = os.environ["SELDON_LOCAL_STATE_DIR"]
    pid = json.load(open(os.path.join(state_dir, name, "state.json")))["pid"]
    rest = {e["name"]: e["address"] for e in endpoints if e["protocol"] == "rest"}
    return rest, pid, took


def timed_down(binary):
    t0 = now()
    run(binary, "-q", "down", "tfserving")
    return now() - t0


def start_python(venv):
    port, grpc_port, metrics_port = free_ports(3)
    process = subprocess.Popen(
        [os.path.join(venv, "bin", "seldon-core-microservice"), "Softmax784",
         "--service-type", "MODEL", "--http-port", str(port), "--grpc-port", str(grpc_port),
         "--metrics-port", str(metrics_port), "--workers", "1", "--single-threaded", "1"],
        cwd=os.path.join(ROOT, "scripts", "bench"), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    wait_http(f"http://127.0.0.1:{port}/health/ping")
    return process, f"http://127.0.0.1:{port}"


def stop_group(process):
    """SIGINT to the wrapper's process group, then SIGTERM, then SIGKILL, until none is left."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        deadline = now() + 5
        while group_pids(process.pid) and now() < deadline:
            time.sleep(0.05)
        if not group_pids(process.pid):
            break
    process.wait(timeout=5)


def docker_up_times(binary, runs):
    """Docker `up -d` to ready with our image (`--images builtin`: no registry here) present: one
    untimed `up` builds it from the binary first."""
    times = []
    try:
        run(binary, "-q", "up", "--runtime", "docker", "--images", "builtin", "-d", SDEP)
        run(binary, "-q", "down", "tfserving")
        for _ in range(runs):
            t0 = now()
            run(binary, "-q", "up", "--runtime", "docker", "--images", "builtin", "-d", SDEP)
            times.append(now() - t0)
            run(binary, "-q", "down", "tfserving")
    except subprocess.CalledProcessError as error:
        print(f"docker up failed: {error.stderr.strip()[-400:]}", file=sys.stderr)
        subprocess.run([binary, "-q", "down", "tfserving"], capture_output=True)
        return None
    return statistics.median(times)


def image_size_mb(binary):
    version = run(binary, "--version").stdout.split()[-1]
    out = subprocess.run(["docker", "image", "inspect", "--format", "{{.Size}}",
                          f"seldon-local:{version}"], capture_output=True, text=True)
    return int(out.stdout) / 1e6 if out.returncode == 0 else None


def tf_python_batch32(venv):
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python) or subprocess.run([python, "-c", "import tensorflow"],
                                                    capture_output=True).returncode:
        return None
    out = run(python, os.path.join(ROOT, "scripts", "bench_tf.py"),
              os.path.join(EXAMPLE, "models", "tf1", "1"), "3").stdout
    rows = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    return next(r["requests_per_s"] for r in rows if r["batch"] == 32)


def main():
    binary, venv = sys.argv[1], sys.argv[2]
    rounds = int(os.environ.get("ROUNDS", "3"))
    seconds = int(os.environ.get("SECONDS_PER_CELL", "3"))
    tmp = tempfile.mkdtemp()
    lua = os.path.join(tmp, "post.lua")
    with open(lua, "w") as f:
        f.write(WRK_LUA)
    files = bodies(tmp)

    rest, pid, up_s = embedded_up(binary)
    # The same example under another name, its engine calling its proxy and the proxy its model
    # server over loopback sockets (as the Docker runtime's pods do) instead of in-process.
    sockets_sdep = os.path.join(tmp, "sockets.yaml")
    with open(sockets_sdep, "w") as f:
        text = re.sub(r"(?m)^  name: tfserving$", "  name: tfserving-sockets", open(SDEP).read(), 1)
        # Its model path is relative to the example's file: made absolute for the copy.
        f.write(text.replace("modelUri: models/", f"modelUri: {EXAMPLE}/models/"))
    sockets_rest, sockets_pid, _ = embedded_up(binary, sockets_sdep, "tfserving-sockets",
                                               {"SELDON_LOCAL_SOCKET_HOPS": "1"})
    python, python_url = start_python(venv)
    try:
        tf = rest["tensorflow-server"] + "/v1/models/mnist-model:predict"
        proxy = rest["mnist-model"] + "/api/v1.0/predictions"
        engine = rest["engine"] + "/api/v1.0/predictions"
        engine_sockets = sockets_rest["engine"] + "/api/v1.0/predictions"
        seldon = python_url + "/api/v1.0/predictions"
        py_group = os.getpgid(python.pid)
        # (path, label, url, body, connections, pids)
        cells = []
        for c in (1, 32):
            cells += [("tf", c, tf, files["tf1"], lambda: [pid]),
                      ("proxy", c, proxy, files["seldon1"], lambda: [pid]),
                      ("engine", c, engine, files["seldon1"], lambda: [pid]),
                      ("engine-sockets", c, engine_sockets, files["seldon1"],
                       lambda: [sockets_pid]),
                      ("python", c, seldon, files["seldon1"], lambda: group_pids(py_group))]
        for c in (1, 4):
            cells += [("tf-b32", c, tf, files["tf32"], lambda: [pid]),
                      ("engine-b32", c, engine, files["seldon32"], lambda: [pid])]
        # Every path answers before any load (a wrong URL or body fails here, not as a rate).
        for url, body in {(c[2], c[3]) for c in cells}:
            post(url, body)
        for _ in range(3):
            post(engine, files["seldon32"])
        time.sleep(1)
        rss_idle = rss_mb(pid)

        results = {}
        for r in range(rounds):
            print(f"round {r + 1}/{rounds}", file=sys.stderr)
            for path, c, url, body, pids in cells:
                ps = pids()
                cpu0, t0 = cpu_seconds(ps), now()
                rps, p50 = wrk(url, body, c, seconds, lua)
                cores = (cpu_seconds(ps) - cpu0) / (now() - t0)
                results.setdefault((path, c), []).append((rps, p50, cores))
        time.sleep(2)
        rss_after = rss_mb(pid)
    finally:
        stop_group(python)
        subprocess.run([binary, "-q", "down", "tfserving-sockets"], capture_output=True)

    downs = [timed_down(binary)]
    for _ in range(2):
        embedded_up(binary)
        downs.append(timed_down(binary))
    down_s = statistics.median(downs)
    docker_s = docker_up_times(binary, 3) if os.environ.get("DOCKER", "1") != "0" else None
    image_mb = image_size_mb(binary) if docker_s is not None else None
    tf_py = tf_python_batch32(os.environ.get("TF_VENV", os.path.join(ROOT, ".venv-mnist")))

    med = {k: tuple(statistics.median(x[i] for x in v) for i in range(3))
           for k, v in results.items()}

    def per_core(key):
        rps, _, cores = med[key]
        return rps / cores if cores > 0 else float("nan")

    names = {"tf": "model server directly (TF REST)", "proxy": "proxy (Seldon -> TF -> Seldon)",
             "engine": "engine (engine -> proxy -> model server)",
             "engine-sockets": "engine path, hops over loopback sockets",
             "python": "real Seldon Python wrapper, 784x10 softmax",
             "tf-b32": "model server directly, batch 32", "engine-b32": "engine path, batch 32"}
    print(f"\nmedians of {rounds} alternating rounds, {seconds} s per cell, wrk on the same host; "
          f"cores = CPU the serving process used\n")
    print("| path | c=1 req/s | c=1 p50 | c=1 cores | c=32 req/s | c=32 p50 | c=32 cores |")
    print("|---|---|---|---|---|---|---|")
    for path in ("tf", "proxy", "engine", "engine-sockets", "python"):
        a, b = med[(path, 1)], med[(path, 32)]
        print(f"| {names[path]} | {a[0]:,.0f} | {a[1]:.3f} ms | {a[2]:.2f} | {b[0]:,.0f} | "
              f"{b[1]:.2f} ms | {b[2]:.2f} |")
    print("\n| batch 32 | c=1 req/s | c=1 p50 | c=4 req/s | c=4 p50 | c=4 rows/s |")
    print("|---|---|---|---|---|---|")
    for path in ("tf-b32", "engine-b32"):
        a, b = med[(path, 1)], med[(path, 4)]
        print(f"| {names[path]} | {a[0]:,.0f} | {a[1]:.3f} ms | {b[0]:,.0f} | {b[1]:.2f} ms | "
              f"{b[0] * 32:,.0f} |")

    print()
    goals = []

    def goal(text, value, ok):
        goals.append(ok)
        mark = "n/a" if ok is None else ("met" if ok else "MISSED")
        print(f"[{mark:>6}] {text}: {value}")

    ratio = med[("engine", 32)][0] / med[("tf", 32)][0]
    goal("1. full path c=32 throughput / model server's (>= 0.8)", f"{ratio:.2f}x", ratio >= 0.8)
    added = (med[("engine", 1)][1] - med[("tf", 1)][1]) * 1000
    goal("1. engine + proxy added p50 at c=1 (<= 150 us)", f"{added:.0f} us", added <= 150)
    for c in (1, 32):
        r = per_core(("engine", c)) / per_core(("python", c))
        goal(f"2. full path req/s per core / Python wrapper's at c={c} (>= 10x)",
             f"{per_core(('engine', c)):,.0f} vs {per_core(('python', c)):,.0f} = {r:.1f}x",
             r >= 10)
    if tf_py is None:
        goal("3. model server REST batch 32 / TensorFlow Python (>= 1.0x)",
             "TensorFlow not installed (scripts/bench-model-server.sh makes .venv-mnist)", None)
    else:
        r = med[("tf-b32", 1)][0] / tf_py
        goal("3. model server REST batch 32 (c=1) / TensorFlow Python in-process (>= 1.0x)",
             f"{med[('tf-b32', 1)][0]:,.0f} vs {tf_py:,.0f} req/s = {r:.2f}x", r >= 1.0)
    for c in (1, 4):
        r = med[("engine-b32", c)][0] / med[("tf-b32", c)][0]
        goal(f"3. engine path batch 32 / model server alone at c={c} (>= 0.8x)", f"{r:.2f}x",
             r >= 0.8)
    goal("4. embedded `down` (median of 3) (<= 100 ms)", f"{down_s * 1000:.0f} ms",
         down_s <= 0.1)
    if docker_s is None:
        goal("4. Docker `up` to ready, image present (<= 1.5 s)", "not measured", None)
    else:
        goal("4. Docker `up` to ready, image present (median of 3) (<= 1.5 s)",
             f"{docker_s:.2f} s", docker_s <= 1.5)
    goal("5. RSS 2 s after the batch-32 load / idle (<= 2x)",
         f"{rss_after:.0f} MB / {rss_idle:.0f} MB = {rss_after / rss_idle:.1f}x",
         rss_after <= 2 * rss_idle)
    if image_mb is None:
        goal("6. our image (<= 25 MB)", "not measured", None)
    else:
        goal("6. our image (<= 25 MB)", f"{image_mb:.1f} MB", image_mb <= 25)
    stripped = "not stripped" not in run("file", "-L", binary).stdout
    size = os.path.getsize(binary) / 1e6
    goal("6. binary stripped", f"{size:.1f} MB, {'stripped' if stripped else 'not stripped'}",
         stripped)
    cold = os.environ.get("COLD_BUILD_SECONDS")
    base = os.environ.get("COLD_BUILD_BASE_SECONDS")
    if cold and base:
        # The goal: half of the cold build of the code it was filed against, on the same
        # machine (absolute build times differ several-fold between machines).
        goal(f"6. cold `cargo build --release` / {os.environ['COLD_BUILD_BASE']}'s, same machine"
             " (<= 0.5x)",
             f"{float(cold) / 60:.1f} vs {float(base) / 60:.1f} min = {float(cold) / float(base):.2f}x",
             float(cold) <= 0.5 * float(base))
    else:
        goal("6. cold `cargo build --release` (report; goal: half of the ~15 min measured before"
             " on the issue's machine; COLD_BUILD_BASE=REV measures that here)",
             f"{float(cold) / 60:.1f} min" if cold else "not measured (COLD_BUILD=1)",
             float(cold) <= 450 if cold else None)
    for c in (1, 32):
        local, sockets = med[("engine", c)], med[("engine-sockets", c)]
        print(f"(engine path at c={c}: in-process hops {local[0]:,.0f} req/s, p50 {local[1]:.3f} ms;"
              f" socket hops {sockets[0]:,.0f} req/s, p50 {sockets[1]:.3f} ms:"
              f" {local[0] / sockets[0]:.2f}x)")
    print(f"\n(embedded `up -d` to ready: {up_s:.2f} s)")
    print(f"{sum(1 for g in goals if g)} met, {sum(1 for g in goals if g is False)} missed, "
          f"{sum(1 for g in goals if g is None)} not measured")


if __name__ == "__main__":
    main()
