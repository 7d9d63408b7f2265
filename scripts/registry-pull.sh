#!/usr/bin/env bash
# The Docker pull path against a real registry on 127.0.0.1: Debian's `docker-registry`
# (installed here with apt-get when missing; needs root) on a free port with a temporary
# storage directory. The test builds the images the tfserving-mnist example's plan names
# (`tensorflow/serving:2.1.0`, `seldonio/tfserving-proxy:1.18.2`, ...) itself, from
# seldon-local's own binary with each image's entrypoint playing its role, pushes them to the
# registry and removes them locally. Then `up --runtime docker --images upstream --registry
# 127.0.0.1:PORT` pulls them (a bar per layer on stderr, captured in a pseudo-terminal) and the
# deployment answers the held-out digits as the model does; an image the registry lacks fails
# `up` with the image named and the `--runtime embedded` hint, creating nothing.
# Docker trusts 127.0.0.0/8 as an insecure registry by default (checked below).
# Ends with `N passed, M failed`. ~1 min.
#
# Usage: scripts/registry-pull.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cargo build --quiet --manifest-path "$root/Cargo.toml" --bin seldon-local
bin="${CARGO_TARGET_DIR:-$root/target}/debug/seldon-local"

passed=0
failed=0
check() { # DESCRIPTION COMMAND...
  local description=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok   $description"
  else
    failed=$((failed + 1))
    echo "FAIL $description"
  fi
}

if ! command -v docker-registry >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "error: docker-registry is not installed; run as root (apt-get install docker-registry)" >&2
    exit 2
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker-registry >/dev/null
fi
docker info --format '{{json .RegistryConfig.InsecureRegistryCIDRs}}' | grep -q '"127.0.0.0/8"' || {
  echo "error: the Docker daemon does not trust 127.0.0.0/8 as an insecure registry" >&2
  exit 2
}

tmp=$(mktemp -d)
run="registry-pull-$$"
name="regpull-$$"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
registry="127.0.0.1:$port"
registry_pid=
images=()

cleanup() {
  "$bin" down "$name" >/dev/null 2>&1 || true
  for image in "${images[@]}"; do
    docker image rm -f "$registry/$image" >/dev/null 2>&1 || true
  done
  docker image rm -f "$registry/missing/$run" >/dev/null 2>&1 || true
  if [ -n "$registry_pid" ]; then
    kill "$registry_pid" 2>/dev/null || true
    wait "$registry_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

cat >"$tmp/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $tmp/storage
http:
  addr: $registry
EOF
docker-registry serve "$tmp/config.yml" >"$tmp/registry.log" 2>&1 &
registry_pid=$!
answers() { curl -fsS "http://$registry/v2/" >/dev/null 2>&1; }
for _ in $(seq 100); do
  answers && break
  kill -0 "$registry_pid" 2>/dev/null || break
  sleep 0.1
done
check "the registry answers on $registry" answers

# The example under a name of its own (other runs may hold `tfserving`).
mkdir "$tmp/example"
cp -r "$root/examples/tfserving-mnist/models" "$tmp/example/"
sed "s/^  name: tfserving$/  name: $name/" "$root/examples/tfserving-mnist/sdep.yaml" >"$tmp/example/sdep.yaml"

# The images the plan names, with the role each plays.
"$bin" render --show plan -o json "$tmp/example/sdep.yaml" >"$tmp/plan.json"
mapfile -t roles < <(python3 - "$tmp/plan.json" <<'EOF'
import json, sys
components = {
    "executor": "executor",
    "tfserving-proxy": "tfserving-proxy",
    "tensorflow-server": "tensorflow-model-server",
    "storage-initializer": "storage-initializer",
}
plan = json.load(open(sys.argv[1]))
def on_mirror(image):
    # The path a mirror holds an image under: its registry dropped, Docker Hub's `library/`.
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        hub = first in ("docker.io", "index.docker.io", "registry-1.docker.io")
        image = rest
    else:
        hub = True
    if hub and "/" not in image.split(":")[0]:
        image = "library/" + image
    return image
seen = {}
for pod in plan["pods"]:
    for c in pod.get("init_containers", []) + pod["containers"]:
        seen[on_mirror(c["image"])] = components[c["role"]["kind"]]
for image, component in sorted(seen.items()):
    print(image, component)
EOF
)
check "the plan names 4 upstream images (${#roles[@]})" test "${#roles[@]}" = 4

# One root filesystem: seldon-local's image plus a marker of this run, so its layer is new to
# the daemon and is really downloaded. The images go to the registry over its API: the daemon
# never holds them before `up`.
builtin=$("$bin" -q image build)
container=$(docker create --label "seldon-local.test=$run" "$builtin" component executor)
docker export "$container" >"$tmp/rootfs.tar"
docker rm "$container" >/dev/null
mkdir -p "$tmp/marker/etc"
echo "$run" >"$tmp/marker/etc/seldon-local-registry-test"
tar --append -f "$tmp/rootfs.tar" -C "$tmp/marker" etc/seldon-local-registry-test
pairs=()
for line in "${roles[@]}"; do
  read -r image component <<<"$line"
  images+=("$image")
  pairs+=("$image=$component")
done
# Its lines are echoed to stderr through the shell: `tee /dev/stderr` would reopen a log file
# that stderr points to, truncating the caller's log.
push_log=$(python3 "$root/scripts/conformance/registry_push.py" "$registry" "$tmp/rootfs.tar" "$run" "${pairs[@]}" || true)
printf '%s\n' "$push_log" >&2
pushed=$(grep -c '^pushed' <<<"$push_log" || true)
check "pushed ${#images[@]} images to the registry ($pushed)" test "$pushed" = "${#images[@]}"
absent=0
for image in "${images[@]}"; do
  docker image inspect "$registry/$image" >/dev/null 2>&1 || absent=$((absent + 1))
done
check "none of them is on this machine before up" test "$absent" = "${#images[@]}"

# `up` in a pseudo-terminal of 120 columns, so the bars are drawn.
status=0
script -qec "stty cols 120 rows 40; '$bin' up --runtime docker --images upstream --registry $registry --timeout 120 '$tmp/example/sdep.yaml'" \
  "$tmp/up.typescript" >/dev/null || status=$?
check "up --images upstream --registry $registry succeeds (exit $status)" test "$status" = 0
if [ "$status" != 0 ]; then tail -c 3000 "$tmp/up.typescript"; fi
echo "     layer bars seen: $(grep -aoE "$registry/[^ ]+ [0-9a-f]{12} +(Downloading|Extracting|Pull complete|Already exists)" "$tmp/up.typescript" | sort -u | tr '\n' ';')"
# The four images share their one layer: the first pull downloads it, the others find it.
downloaded() {
  grep -aqE "$registry/[^ ]+ [0-9a-f]{12} +Downloading" "$tmp/up.typescript" &&
    grep -aqE "$registry/[^ ]+ [0-9a-f]{12} +Pull complete" "$tmp/up.typescript"
}
check "a layer bar downloading from the mirror to Pull complete" downloaded
bars=0
for image in "${images[@]}"; do
  grep -aqE "$registry/$image [0-9a-f]{12} +(Pull complete|Already exists)" "$tmp/up.typescript" && bars=$((bars + 1))
done
check "a layer bar for each of the ${#images[@]} images ($bars)" test "$bars" = "${#images[@]}"
pulled=0
for image in "${images[@]}"; do
  label=$(docker image inspect -f '{{index .Config.Labels "seldon-local.test"}}' "$registry/$image" 2>/dev/null || true)
  [ "$label" = "$run" ] && pulled=$((pulled + 1))
done
check "all ${#images[@]} images pulled from the registry ($pulled)" test "$pulled" = "${#images[@]}"
running_from_mirror() {
  local refs
  refs=$(docker ps --filter "label=seldon-local/deployment=$name" --filter "label=seldon-local/kind=container" --format '{{.Image}}' | sort -u)
  echo "     main containers' images: $(tr '\n' ' ' <<<"$refs")"
  [ "$(grep -c "^$registry/" <<<"$refs")" = 3 ] && ! grep -qv "^$registry/" <<<"$refs"
}
check "the 3 main containers run the mirror's images" running_from_mirror

# The held-out digits, through the engine, equal the model's own scores.
python3 - "$root/examples/tfserving-mnist/heldout.json" "$tmp/request.json" "$tmp/expected.json" <<'EOF'
import json, sys
heldout = json.load(open(sys.argv[1]))
json.dump({"data": {"ndarray": heldout["inputs"][:20]}}, open(sys.argv[2], "w"))
json.dump(heldout["models"]["tf1"]["scores"][:20], open(sys.argv[3], "w"))
EOF
answer=$("$bin" predict "$name" --file "$tmp/request.json" 2>"$tmp/predict.err" || true)
same_scores() {
  python3 - "$tmp/expected.json" <<EOF
import json, sys
expected = json.load(open(sys.argv[1]))
got = json.loads('''$answer''')["data"]["ndarray"]
worst = max(abs(a - b) for row, want in zip(got, expected) for a, b in zip(row, want))
print(f"     max abs difference over {len(got)} rows: {worst:.2e}")
sys.exit(0 if len(got) == len(expected) and worst <= 1e-5 else 1)
EOF
}
check "the deployment answers the held-out digits with the model's scores" same_scores
"$bin" down "$name" >/dev/null 2>&1 || true

# An image the registry does not hold: the error names it and suggests the embedded runtime.
status=0
"$bin" up --runtime docker --images upstream --registry "$registry/missing" --timeout 60 \
  "$tmp/example/sdep.yaml" >/dev/null 2>"$tmp/missing.err" || status=$?
check "up fails when the mirror lacks an image (exit $status)" test "$status" != 0
names_image() {
  grep -q "failed to pull image \`$registry/missing/seldonio/[a-z-]*:1.18.2\`\|failed to pull image \`$registry/missing/tensorflow/serving:2.1.0\`" "$tmp/missing.err" &&
    grep -q -- "--runtime embedded" "$tmp/missing.err"
}
check "its error names the image and suggests --runtime embedded" names_image
check "the failed up created nothing" test "$(docker ps -aq --filter "label=seldon-local/deployment=$name" | wc -l)" = 0
if ! names_image; then cat "$tmp/missing.err"; fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
