#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets/) for SECONDS each, one at a time, from its seed
# corpus (fuzz/corpus/<target>/, checked in; new inputs go to a scratch copy), and prints per
# target the executions, the coverage (libFuzzer's `cov` edges and `ft` features) and the
# crashes. cargo-fuzz is installed from crates.io into .tools/ on first use; libFuzzer needs
# nightly flags, which the stable toolchain accepts with RUSTC_BOOTSTRAP=1. Crash inputs land in
# fuzz/artifacts/<target>/. Ends with `N passed, M failed` (a target passes with 0 crashes).
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]     (default 20 s, every target)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
seconds=${1:-20}
shift || true
export RUSTC_BOOTSTRAP=1
tools="$root/.tools"
if [ ! -x "$tools/bin/cargo-fuzz" ]; then
  cargo install --quiet --locked --root "$tools" cargo-fuzz --version 0.13.1
fi
export PATH="$tools/bin:$PATH"
# The fuzz build instruments every dependency: a target dir of its own, kept between runs.
fuzz_target_dir="${CARGO_TARGET_DIR:-$root/target}/fuzz"
unset CARGO_TARGET_DIR
build=(--release --debug-assertions --target-dir "$fuzz_target_dir")
targets=("$@")
if [ "${#targets[@]}" = 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
cargo fuzz build "${build[@]}"
passed=0
failed=0
printf '%-12s %12s %8s %8s %8s\n' target executions cov ft crashes
for target in "${targets[@]}"; do
  scratch=$(mktemp -d)
  cp -r "fuzz/corpus/$target/." "$scratch/" 2>/dev/null || true
  log="$scratch.log"
  status=0
  cargo fuzz run "${build[@]}" "$target" "$scratch" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  execs=$(grep -aoE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
  cov=$(grep -aoE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
  ft=$(grep -aoE 'ft: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
  crashes=$(grep -acE '^(==[0-9]+== ERROR|thread .* panicked|SUMMARY: libFuzzer)' "$log" || true)
  printf '%-12s %12s %8s %8s %8s\n' "$target" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$crashes"
  if [ "$status" = 0 ] && [ "$crashes" = 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    grep -aE 'panicked|ERROR|SUMMARY|Test unit written|out-of-memory|stack-overflow|deadly signal' "$log" | head -8 | sed 's/^/    /'
  fi
  rm -rf "$scratch" "$log"
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
