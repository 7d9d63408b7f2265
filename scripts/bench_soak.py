"""The driver of scripts/bench-soak.sh: a long load on one deployment, errors and RSS over time.

`up -d` of the given SeldonDeployment (the shipped MNIST example, renamed), a warm-up (wrk for
SOAK_WARMUP seconds, 10), the RSS after it, then SOAK_REQUESTS (1,000,000) predictions through
the engine with one wrk run at SOAK_CONNECTIONS (64), two threads. wrk's Lua script counts the
responses and the non-2xx of each thread and prints a line every 100; each thread stops at its
share, and the driver then stops wrk with SIGINT (wrk prints its summary: requests, duration,
socket errors). Every SOAK_INTERVAL seconds (10) it prints the responses so far, the non-2xx so
far, the rate of the interval, and VmRSS, threads and open files of the serving process(es):
the embedded server (every role is in it), or every container's process on Docker (summed; a
changed pid means a restart and is counted).

Usage: bench_soak.py BINARY RUNTIME SDEP NAME   (env: SELDON_LOCAL_STATE_DIR, SOAK_*)
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
REQUEST = os.path.join(ROOT, "examples", "tfserving-mnist", "request.json")
THREADS = 2
WRK_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open(os.getenv("SOAK_BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
local n, bad, block_bad, limit = 0, 0, 0, 0
function init(args) limit = tonumber(args[1]) end
function response(status, headers, body)
  n = n + 1
  if status < 200 or status > 299 then bad = bad + 1; block_bad = block_bad + 1 end
  if n % 100 == 0 then io.write("p 100 " .. block_bad .. "\\n"); io.flush(); block_bad = 0 end
  if n == limit then
    io.write("p " .. (n % 100) .. " " .. block_bad .. "\\ndone\\n"); io.flush()
    wrk.thread:stop()
  end
end
"""


def run(*args):
    return subprocess.run(args, check=True, text=True, capture_output=True).stdout


def serving_pids(runtime, name):
    if runtime == "embedded":
        state = os.path.join(os.environ["SELDON_LOCAL_STATE_DIR"], name, "state.json")
        return [json.load(open(state))["pid"]]
    ids = run("docker", "ps", "-q", "--filter", f"label=seldon-local/deployment={name}").split()
    if not ids:
        return []
    return [int(p) for p in run("docker", "inspect", "-f", "{{.State.Pid}}", *ids).split()
            if int(p) > 0]


def status_field(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def sample(pids):
    """(RSS MB, threads, open files) summed over the processes."""
    rss = sum(status_field(p, "VmRSS") for p in pids) / 1024
    threads = sum(status_field(p, "Threads") for p in pids)
    fds = 0
    for p in pids:
        try:
            fds += len(os.listdir(f"/proc/{p}/fd"))
        except (FileNotFoundError, PermissionError):
            pass
    return rss, threads, fds


class Wrk:
    """One wrk run that stops after `requests` responses; counts arrive on stdout as it goes."""

    def __init__(self, url, requests, connections, lua, body):
        per_thread = -(-requests // THREADS)
        self.responses = 0
        self.bad = 0
        self.done = 0
        self.output = []
        self.process = subprocess.Popen(
            ["wrk", f"-t{THREADS}", f"-c{connections}", "-d24h", "--timeout", "10s", "-s", lua,
             url, "--", str(per_thread)],
            stdout=subprocess.PIPE, text=True, env={**os.environ, "SOAK_BODY": body})
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            if line.startswith("p "):
                _, n, bad = line.split()
                self.responses += int(n)
                self.bad += int(bad)
            elif line.startswith("done"):
                self.done += 1
                if self.done == THREADS:
                    self.process.send_signal(signal.SIGINT)
            else:
                self.output.append(line)

    def finished(self):
        return self.process.poll() is not None

    def summary(self):
        self.process.wait()
        self.reader.join()
        out = "".join(self.output)
        socket_errors = 0
        errors = re.search(r"Socket errors: (.*)", out)
        if errors:
            socket_errors = sum(int(n) for n in re.findall(r"\d+", errors.group(1)))
        seconds = re.search(r"requests in ([\d.]+)(ms|s|m)", out)
        scale = {"ms": 1e-3, "s": 1.0, "m": 60.0}[seconds.group(2)] if seconds else 0
        return socket_errors, float(seconds.group(1)) * scale if seconds else float("nan"), out


def main():
    binary, runtime, sdep, name = sys.argv[1:5]
    requests = int(os.environ.get("SOAK_REQUESTS", "1000000"))
    connections = int(os.environ.get("SOAK_CONNECTIONS", "64"))
    interval = float(os.environ.get("SOAK_INTERVAL", "10"))
    warmup = float(os.environ.get("SOAK_WARMUP", "10"))

    args = [binary, "-q", "up", "--runtime", runtime, "-d", "-o", "json", sdep]
    if runtime == "docker":
        args[5:5] = ["--images", "builtin"]
    t0 = time.monotonic()
    endpoints = json.loads(run(*args))[0]["endpoints"]
    print(f"up -d ({runtime}) ready in {time.monotonic() - t0:.1f}s")
    engine = next(e["address"] for e in endpoints
                  if e["protocol"] == "rest" and e["name"] == "engine")
    url = engine + "/api/v1.0/predictions"
    request = urllib.request.Request(url, data=open(REQUEST, "rb").read(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        json.loads(response.read())  # one good answer before any load

    tmp = tempfile.mkdtemp()
    lua = os.path.join(tmp, "soak.lua")
    with open(lua, "w") as f:
        f.write(WRK_LUA)

    pids = serving_pids(runtime, name)
    print(f"serving processes: {pids}; RSS at start {sample(pids)[0]:.1f} MB")
    warm = Wrk(url, 10**9, connections, lua, REQUEST)
    time.sleep(warmup)
    warm.process.send_signal(signal.SIGINT)
    warm_socket_errors, _, _ = warm.summary()
    time.sleep(2)
    rss_warm, _, _ = sample(pids)
    print(f"warm-up: {warm.responses} responses in {warmup:.0f}s, {warm.bad} non-2xx, "
          f"{warm_socket_errors} socket errors; RSS after warm-up {rss_warm:.1f} MB")

    print(f"\n{'t (s)':>7} {'responses':>10} {'non-2xx':>8} {'req/s':>7} {'RSS MB':>7} "
          f"{'threads':>7} {'fds':>5}")
    soak = Wrk(url, requests, connections, lua, REQUEST)
    start = last_t = time.monotonic()
    last_n = 0
    rss_max = rss_warm
    restarts = 0
    while not soak.finished():
        deadline = last_t + interval
        while time.monotonic() < deadline and not soak.finished():
            time.sleep(0.2)
        now = time.monotonic()
        current = serving_pids(runtime, name)
        if sorted(current) != sorted(pids):
            restarts += 1
            pids = current
        rss, threads, fds = sample(pids)
        rss_max = max(rss_max, rss)
        n = soak.responses
        print(f"{now - start:7.0f} {n:10d} {soak.bad:8d} {(n - last_n) / (now - last_t):7.0f} "
              f"{rss:7.1f} {threads:7d} {fds:5d}", flush=True)
        last_t, last_n = now, n
    socket_errors, seconds, out = soak.summary()
    time.sleep(2)
    rss_end, threads, fds = sample(pids)
    total = soak.responses
    errors = soak.bad + socket_errors
    print(f"\nwrk: {total} responses in {seconds:.1f}s ({total / seconds:.0f} req/s), "
          f"{soak.bad} non-2xx, {socket_errors} socket errors, {restarts} process changes")
    print(f"RSS: after warm-up {rss_warm:.1f} MB, peak under load {rss_max:.1f} MB, "
          f"2 s after the last request {rss_end:.1f} MB ({threads} threads, {fds} fds): "
          f"end / warm-up = {rss_end / rss_warm:.2f}x")
    ok_errors = errors == 0 and restarts == 0 and total >= requests
    ok_rss = rss_end <= 1.5 * rss_warm
    print(f"goal: 0 errors over {requests} requests: {'met' if ok_errors else 'MISSED'} "
          f"({errors} errors, {total} responses)")
    print(f"goal: RSS at the end <= 1.5x RSS after warm-up: {'met' if ok_rss else 'MISSED'} "
          f"({rss_end / rss_warm:.2f}x)")
    if not ok_errors:
        print(out, file=sys.stderr)
    return 0 if ok_errors and ok_rss else 1


if __name__ == "__main__":
    sys.exit(main())
