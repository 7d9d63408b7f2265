#!/usr/bin/env bash
# Benchmark (not a test): p50/p99/req/s of a 784-float predict straight to a model unit versus
# through seldon-local's executor + tfserving proxy, at concurrency 1 and 32, plus the same against
# a `seldon-core-microservice` unit as a reference peer. Ratios are against the direct call
# measured in the same run.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${SELDON_LOCAL_CONFORMANCE_VENV:-$root/.venv-conformance}"
version="${SELDON_CORE_VERSION:-1.18.2}"

if [[ ! -x "$venv/bin/seldon-core-microservice" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "seldon-core==$version" "setuptools<70"
fi

free_port() { "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
(
    cd "$root/scripts/bench"
    exec setsid "$venv/bin/seldon-core-microservice" TenClasses --service-type MODEL \
        --http-port "$port" --grpc-port "$(free_port)" --metrics-port "$(free_port)" \
        --workers 1 --single-threaded 1 >/dev/null 2>&1
) &
peer_pid=$!
trap 'kill -INT -- -"$peer_pid" 2>/dev/null || true' EXIT

deadline=$((SECONDS + 60))
until curl -fsS "http://127.0.0.1:$port/health/ping" >/dev/null 2>&1; do
    (( SECONDS < deadline )) || { echo "reference peer did not start" >&2; exit 1; }
    sleep 0.1
done

cargo bench --quiet --manifest-path "$root/Cargo.toml" --bench executor -- --peer "http://127.0.0.1:$port"
