#!/usr/bin/env bash
# Benchmark (not a test): a Seldon predict straight to an engine versus through the ingress, at
# concurrency 1 (p50) and 32 (req/s). The goal: at most +50 us at p50 and 10% of throughput.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cargo bench --quiet --manifest-path "$root/Cargo.toml" --bench ingress "$@"
