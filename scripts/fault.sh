#!/usr/bin/env bash
# HTTP fuzz and fault run against a running deployment (the shipped MNIST example), on
# 127.0.0.1 only, bounded: per runtime (`embedded`, `docker` or both, the default) it
#   1. sends hostile bodies (the issue's allocation bombs, deep nesting, huge shapes, NaN-range
#      values) and FAULT_BODIES (default 300) random mutations of the example's request to every
#      REST surface of the deployment (ingress, engine, proxy, model server), each with a 10 s
#      client timeout, and reports status classes; a hung request, a 5xx that is not a clean
#      JSON error, or a surface that stops answering is a failure;
#   2. on Docker, `docker kill`s and then `docker stop`s each container and each pod's sandbox,
#      and measures the time until a prediction succeeds again (must be under 5 s); then hangs
#      containers with `docker pause`: the unit, whose SeldonDeployment here gives it a short
#      HTTP liveness probe (1 s period, 1 s timeout, 2 failures), must be restarted by the
#      supervisor and serve again (under 10 s; the figure is printed); the engine and TF Serving,
#      on the operator's own probes, are watched for 10 s and the outcome printed (Kubernetes
#      would not restart them within that: TF Serving has no probe, and the engine's `/live`
#      probe times out after 60 s three times);
#   3. on embedded, plays examples/mnist-graph with its Python units (`--exec`) and the same
#      short liveness probe on `scale` (5 s initial delay: a Python start under load can take
#      seconds, and a probe failing before it would kill every restart): SIGKILLs the unit (the role fails: restarted in place,
#      serving again under 5 s, `ps` counting the restart), then SIGSTOPs it (hung: its liveness
#      probe fails, it is restarted, serving again under 10 s);
#   4. `down`, and checks that no labelled Docker object and no server process is left.
# Ends with `N passed, M failed`. Needs python3 (standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."
runtimes=${1:-both}
[ "$runtimes" = both ] && runtimes="embedded docker"
cargo build --quiet --bin seldon-local
bin=$(realpath "${CARGO_TARGET_DIR:-target}/debug/seldon-local")
state=$(mktemp -d)
export SELDON_LOCAL_STATE_DIR=$state SELDON_LOCAL_INGRESS_PORT=0 NO_COLOR=1
name=fault-$$
sdep=$state/sdep.yaml
model=$(realpath examples/tfserving-mnist/models/tf1)
# The example, with a short HTTP liveness probe on its unit (the operator keeps a probe the
# SeldonDeployment sets), so that a hung unit is noticed within seconds.
sed -e "s/name: tfserving/name: $name/" -e "s|modelUri: models/tf1|modelUri: file://$model|" \
  examples/tfserving-mnist/sdep.yaml >"$sdep"
cat >>"$sdep" <<'YAML'
    componentSpecs:
    - spec:
        containers:
        - name: mnist-model
          livenessProbe:
            httpGet: {path: /health/ping, port: 9000}
            initialDelaySeconds: 3
            periodSeconds: 1
            timeoutSeconds: 1
            failureThreshold: 2
YAML
passed=0 failed=0
trap '"$bin" down "$name" >/dev/null 2>&1 || true; "$bin" down "fault-graph-$$" >/dev/null 2>&1 || true; rm -f "examples/mnist-graph/fault-$$.yaml"; rm -rf "$state"' EXIT

for runtime in $runtimes; do
  echo "== $runtime"
  if ! "$bin" up --runtime "$runtime" -d --images builtin "$sdep" -o json >"$state/up.json" 2>"$state/up.err"; then
    cat "$state/up.err"; failed=$((failed + 1)); continue
  fi
  "$bin" ps "$name" -o json >"$state/ps.json"
  if python3 - "$bin" "$name" "$runtime" "$state" <<'PY'; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
import json, os, random, subprocess, sys, time, urllib.request, urllib.error, http.client

bin_, name, runtime, state = sys.argv[1:5]
up = json.load(open(f"{state}/up.json"))[0]
rows = json.load(open(f"{state}/ps.json"))
request = open("examples/tfserving-mnist/request.json").read()
bodies_n = int(os.environ.get("FAULT_BODIES", "300"))
random.seed(16)

# Every REST surface: (label, base URL, path).
surfaces = []
for e in up["endpoints"]:
    if e["protocol"] != "rest":
        continue
    base = e["address"].rstrip("/")
    if e["name"] == "ingress":
        surfaces.append(("ingress", base, "/api/v1.0/predictions"))
    elif e["name"] == "engine":
        surfaces.append(("engine", base, "/api/v1.0/predictions"))
for r in rows:
    for p in r["ports"]:
        url = f"http://127.0.0.1:{p['host_port']}"
        if r["container"] == "mnist-model" and p["container_port"] == 9000:
            surfaces.append(("proxy", url, "/predict"))
        if r["container"] == "tfserving" and p["container_port"] == 2001:
            surfaces.append(("model-server", url, "/v1/models/mnist-model:predict"))

hostile = [
    '{"data":{"tftensor":{"dtype":"DT_FLOAT","tensorShape":{"dim":[{"size":"1000000"},{"size":"1000000"}]},"floatVal":[1]}}}',
    '{"data":{"tensor":{"shape":[1099511627776,0],"values":[]}}}',
    '{"data":{"tensor":{"shape":[4294967296,4294967296],"values":[]}}}',
    '{"data":{"tensor":{"shape":[10000000,0],"values":[]}}}',
    '{"data":{"ndarray":' + "[" * 43000 + "]" * 43000 + "}}",
    '{"data":{"ndarray":[' + ",".join(["[" + ",".join(["[" * 1 + ",".join(["1"] * 10) + "]"] * 10) + "]"] * 10) + ',[1]]}}',
    '{"data":{"ndarray":[[3.5e38' + ",0" * 783 + "]]}}",
    '{"instances":' + "[" * 20000 + "]" * 20000 + "}",
    '{"inputs":{"x":{"b64":"' + "A" * 100 + '"}}}',
    "", "{", "null", "[]", '{"data":{}}', '{"strData":' + '"' + "x" * 100000 + '"}',
]

def mutate(text):
    b = bytearray(text.encode())
    for _ in range(random.randint(1, 8)):
        op = random.random()
        i = random.randrange(len(b)) if b else 0
        if op < 0.3 and b:
            b[i] = random.choice(b'[]{}",:0123456789eE-.x\x00\xff')
        elif op < 0.5 and b:
            del b[i:i + random.randint(1, 50)]
        elif op < 0.7:
            b[i:i] = random.choice([b"[" * 200, b"1e999", b"-", b'"', b"9" * 40, b"NaN"])
        else:
            j = random.randrange(len(b)) if b else 0
            b[i:i] = b[j:j + random.randint(1, 500)]
    return bytes(b)

def post(url, body, timeout=10):
    started = time.monotonic()
    try:
        req = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as reply:
            reply.read()
            return reply.status, time.monotonic() - started, ""
    except urllib.error.HTTPError as e:
        text = e.read()
        return e.code, time.monotonic() - started, text[:200]
    except Exception as e:  # refused, reset, timeout
        return None, time.monotonic() - started, str(e)

def serves():
    s, _, _ = post(surfaces[0][1] + surfaces[0][2], request.encode(), timeout=5)
    return s == 200

problems = []
for label, base, path in surfaces:
    classes = {}
    bodies = [h.encode() for h in hostile] + [mutate(request) for _ in range(bodies_n)]
    slowest = 0.0
    for body in bodies:
        status, took, detail = post(base + path, body)
        slowest = max(slowest, took)
        key = f"{status // 100}xx" if status else "no answer"
        classes[key] = classes.get(key, 0) + 1
        if status is None:
            problems.append(f"{label}: no answer ({detail}) to a {len(body)}-byte body")
        elif status >= 500 and not detail.lstrip().startswith(b"{"):
            problems.append(f"{label}: {status} without a JSON error: {detail!r}")
    ok = serves()
    print(f"{runtime} {label:13} {len(bodies)} bodies: {dict(sorted(classes.items()))}, "
          f"slowest {slowest:.2f}s, serves after: {ok}")
    if not ok:
        problems.append(f"{label}: the deployment stopped serving after the bodies")

if runtime == "docker":
    names = subprocess.run(
        ["docker", "ps", "-a", "--filter", f"label=seldon-local/deployment={name}",
         "--format", "{{.Names}} {{.Label \"seldon-local/kind\"}}"],
        capture_output=True, text=True, check=True).stdout.split("\n")
    victims = [n.split()[0] for n in names if n.endswith(" container")]
    victims += [n.split()[0] for n in names if n.endswith(" sandbox")]
    for how in (["kill"], ["stop", "-t", "1"]):
        for victim in victims:
            subprocess.run(["docker", *how, victim], capture_output=True, check=True)
            started = time.monotonic()
            while not serves():
                if time.monotonic() - started > 30:
                    break
                time.sleep(0.1)
            took = time.monotonic() - started
            print(f"docker {how[0]} {victim}: serving again after {took:.2f}s")
            if took >= 5:
                problems.append(f"`docker {how[0]} {victim}`: not serving within 5 s ({took:.1f}s)")

    # Hung, not dead: `docker pause`. Containers by their name in the pod.
    def by_container(wanted):
        out = subprocess.run(
            ["docker", "ps", "-a", "--filter", f"label=seldon-local/deployment={name}",
             "--filter", f"label=seldon-local/container={wanted}",
             "--filter", "label=seldon-local/kind=container", "--format", "{{.Names}}"],
            capture_output=True, text=True, check=True).stdout.split()
        return out[0] if out else None

    def started_at(container):
        return subprocess.run(["docker", "inspect", "-f", "{{.State.StartedAt}}", container],
                              capture_output=True, text=True).stdout.strip()

    unit = by_container("mnist-model")
    before = started_at(unit)
    subprocess.run(["docker", "pause", unit], capture_output=True, check=True)
    started = time.monotonic()
    # Until restarted and serving: a request can still succeed while a restart's stop drains it.
    while time.monotonic() - started < 30:
        if started_at(unit) != before and serves():
            break
        time.sleep(0.1)
    took = time.monotonic() - started
    restarted = started_at(unit) != before
    print(f"docker pause {unit} (liveness 1 s x 2): serving again after {took:.2f}s, "
          f"restarted by liveness: {restarted}")
    if not restarted or took >= 10:
        problems.append(f"`docker pause {unit}`: not restarted and serving within 10 s ({took:.1f}s)")
    for wanted, why in (("seldon-container-engine", "its /live probe times out after 60 s, 3 times"),
                        ("tfserving", "the operator gives it no probe")):
        victim = by_container(wanted)
        before = started_at(victim)
        subprocess.run(["docker", "pause", victim], capture_output=True, check=True)
        watched = time.monotonic()
        back = None
        while time.monotonic() - watched < 10:
            if serves():
                back = time.monotonic() - watched
                break
            time.sleep(0.2)
        restarted = started_at(victim) != before
        subprocess.run(["docker", "unpause", victim], capture_output=True)
        print(f"docker pause {victim} (operator's probes: {why}): "
              + (f"serving again after {back:.2f}s" if back is not None else "not serving within 10 s")
              + f", restarted: {restarted}")
        started = time.monotonic()
        while not serves() and time.monotonic() - started < 30:
            time.sleep(0.1)
        if not serves():
            problems.append(f"`docker unpause {victim}`: the deployment does not serve again")

for p in problems[:40]:
    print("FAIL", p)
sys.exit(1 if problems else 0)
PY
  if [ "$runtime" = embedded ]; then
    # A failed and a hung role: the graph example's `scale` unit, a local command.
    gname=fault-graph-$$
    gsdep=examples/mnist-graph/fault-$$.yaml
    sed -e "s/name: mnist-graph/name: $gname/" \
      -e "s|          image: seldon-local-examples/scale:0.1|          image: seldon-local-examples/scale:0.1\n          livenessProbe:\n            httpGet: {path: /health/ping, port: http}\n            initialDelaySeconds: 5\n            periodSeconds: 1\n            timeoutSeconds: 1\n            failureThreshold: 2|" \
      examples/mnist-graph/sdep.yaml >"$gsdep"
    if "$bin" up --runtime embedded -d "$gsdep" -o json --exec scale='python3 units/scale.py' \
        --exec mean='python3 units/mean.py' >"$state/graph.json" 2>"$state/graph.err"; then
      if python3 - "$bin" "$gname" "$state" <<'PY'; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
import json, os, signal, subprocess, sys, time, urllib.request

bin_, name, state = sys.argv[1:4]
up = json.load(open(f"{state}/graph.json"))[0]
engine = next(e["address"] for e in up["endpoints"] if e["name"] == "engine" and e["protocol"] == "rest")
request = open("examples/mnist-graph/request.json").read().encode()
problems = []

def serves():
    try:
        req = urllib.request.Request(engine.rstrip("/") + "/api/v1.0/predictions", data=request,
                                     method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5) as reply:
            return reply.status == 200
    except Exception:
        return False

def scale():
    rows = json.loads(subprocess.run([bin_, "ps", name, "-o", "json"], capture_output=True,
                                     text=True, check=True).stdout)
    row = next(r for r in rows if r["container"] == "scale")
    pid = int(row["detail"].rsplit("pid ", 1)[1])
    return pid, row["restarts"]

last = None
for sig, what, budget in ((signal.SIGKILL, "killed", 5), (signal.SIGSTOP, "hung", 10)):
    pid, restarts = scale()
    waited = time.monotonic()
    # `ps` learns a restarted command's pid within a second.
    while pid == last and time.monotonic() - waited < 5:
        time.sleep(0.1)
        pid, restarts = scale()
    last = pid
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        problems.append(f"scale: pid {pid} from `ps` is gone")
        break
    started = time.monotonic()
    while time.monotonic() - started < 30:
        if serves() and scale()[1] == restarts + 1:
            break
        time.sleep(0.1)
    took = time.monotonic() - started
    now = scale()[1]
    print(f"embedded scale {what} (kill -{sig.name[3:]}): serving again after {took:.2f}s, "
          f"restarts {restarts} -> {now}")
    if now != restarts + 1 or took >= budget:
        problems.append(f"scale {what}: not restarted and serving within {budget} s ({took:.1f}s)")
for p in problems:
    print("FAIL", p)
sys.exit(1 if problems else 0)
PY
    else
      cat "$state/graph.err"; failed=$((failed + 1))
    fi
    "$bin" down "$gname" >/dev/null || true
    rm -f "$gsdep"
  fi
  "$bin" down "$name" >/dev/null
  left=$(docker ps -aq --filter "label=seldon-local/deployment=$name" 2>/dev/null | wc -l)
  left=$((left + $(docker network ls -q --filter "label=seldon-local/deployment=$name" 2>/dev/null | wc -l)))
  servers=$(pgrep -f -- "--detached-child.*$sdep" | wc -l || true)
  if [ "$left" -eq 0 ] && [ "$servers" -eq 0 ]; then
    echo "$runtime: down left nothing"; passed=$((passed + 1))
  else
    echo "FAIL $runtime: down left $left Docker objects and $servers processes"; failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
