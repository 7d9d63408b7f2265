#!/usr/bin/env bash
# Benchmark (not a test): gRPC next to REST through the engine, the tfserving proxy and the
# builtin model server (the shipped MNIST model), at concurrency 1 and 32 (p50, p99, req/s),
# with the real Python wrapper (`seldon-core-microservice`, one worker, one thread) over gRPC as
# the reference peer. Everything in one run; see benches/grpc.rs.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${SELDON_LOCAL_CONFORMANCE_VENV:-$root/.venv-conformance}"
version="${SELDON_CORE_VERSION:-1.18.2}"

if [[ ! -x "$venv/bin/seldon-core-microservice" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "seldon-core==$version" "setuptools<70"
fi

read -r port grpc_port metrics_port < <("$venv/bin/python" -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
(
    cd "$root/scripts/bench"
    exec setsid "$venv/bin/seldon-core-microservice" TenClasses --service-type MODEL \
        --http-port "$port" --grpc-port "$grpc_port" --metrics-port "$metrics_port" \
        --workers 1 --grpc-workers 1 --grpc-threads 1 --single-threaded 1 >/dev/null 2>&1
) &
peer_pid=$!
trap 'kill -INT -- -"$peer_pid" 2>/dev/null || true' EXIT

deadline=$((SECONDS + 60))
until curl -fsS "http://127.0.0.1:$port/health/ping" >/dev/null 2>&1 \
    && (exec 3<>"/dev/tcp/127.0.0.1/$grpc_port") 2>/dev/null; do
    (( SECONDS < deadline )) || { echo "reference peer did not start" >&2; exit 1; }
    sleep 0.1
done

cargo bench --quiet --manifest-path "$root/Cargo.toml" --bench grpc -- --peer-grpc "127.0.0.1:$grpc_port" "$@"
