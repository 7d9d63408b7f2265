#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets/) for SECONDS each from its seed corpus
# (fuzz/corpus/<target>/, checked in; new inputs go to a scratch copy), FUZZ_JOBS targets at a
# time (default 1), and prints per target the executions, exec/s, the coverage (libFuzzer's
# `cov` edges and `ft` features), the corpus size at the end, the peak RSS and the crashes
# (a panic, an abort such as a failed allocation, a stack overflow, a timeout or an OOM).
# The targets are libFuzzer binaries (libfuzzer-sys), built by plain cargo in fuzz/, its own
# workspace, with fuzz/rustc-sancov as RUSTC_WRAPPER: only our crates are instrumented for
# coverage, so the dependencies build as in any optimised build (libfuzzer-sys needs nightly
# flags, which the stable toolchain accepts with RUSTC_BOOTSTRAP=1). Crash inputs land in fuzz/artifacts/<target>/.
# Ends with `N passed, M failed` (a target passes with 0 crashes).
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]     (default 20 s, every target)
#   FUZZ_JOBS=2 scripts/fuzz.sh 600                  two targets at a time, 10 min each
#   FUZZ_KEEP=DIR                                    keep each target's final corpus in DIR/<target>
#   FUZZ_TARGET_DIR=DIR                              the fuzz build's target dir (default:
#                                                    $CARGO_TARGET_DIR/fuzz, else target/fuzz)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
seconds=${1:-20}
shift || true
jobs=${FUZZ_JOBS:-1}
export RUSTC_BOOTSTRAP=1
fuzz_target_dir=${FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-$root/target}/fuzz}
unset CARGO_TARGET_DIR
targets=("$@")
if [ "${#targets[@]}" = 0 ]; then
  mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^seldon-local-fuzz$')
fi
start=$(date +%s)
(cd fuzz && RUSTC_WRAPPER="$root/fuzz/rustc-sancov" nice -n 10 cargo build --quiet --release --bins --target-dir "$fuzz_target_dir")
echo "fuzz build: $(($(date +%s) - start)) s" >&2
bin_dir="$fuzz_target_dir/release"
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

# One target: its scratch corpus, its log, one result line in $results/<target>.
run_one() {
  local target=$1 scratch log status=0
  scratch="$results/$target.corpus"
  log="$results/$target.log"
  mkdir -p "$scratch" "fuzz/artifacts/$target"
  cp -r "fuzz/corpus/$target/." "$scratch/" 2>/dev/null || true
  nice -n 15 "$bin_dir/$target" "$scratch" -artifact_prefix="fuzz/artifacts/$target/" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  local execs rate cov ft peak corpus crashes
  execs=$(grep -aoE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
  rate=$(grep -aoE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
  peak=$(grep -aoE 'stat::peak_rss_mb: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
  cov=$(grep -aoE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
  ft=$(grep -aoE 'ft: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
  corpus=$(find "$scratch" -type f | wc -l)
  crashes=$(grep -acE '^(==[0-9]+== ERROR|thread .* panicked|SUMMARY: libFuzzer)' "$log" || true)
  if [ "$status" != 0 ] && [ "$crashes" = 0 ]; then crashes=1; fi
  printf '%-12s %12s %7s %6s %6s %7s %8s %8s\n' "$target" "${execs:-?}" "${rate:-?}" \
    "${cov:-?}" "${ft:-?}" "$corpus" "${peak:-?}" "$crashes" >"$results/$target"
  if [ "$crashes" != 0 ]; then
    grep -aE 'panicked|ERROR|SUMMARY|Test unit written|out-of-memory|stack-overflow|deadly signal|timeout' \
      "$log" | head -8 | sed 's/^/    /' >>"$results/$target"
  fi
  if [ -n "${FUZZ_KEEP:-}" ]; then
    mkdir -p "$FUZZ_KEEP/$target" && cp -r "$scratch/." "$FUZZ_KEEP/$target/"
    cp "$log" "$FUZZ_KEEP/$target.log"
  fi
  rm -rf "$scratch"
}

running=0
for target in "${targets[@]}"; do
  run_one "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait
passed=0
failed=0
printf '%-12s %12s %7s %6s %6s %7s %8s %8s\n' target executions exec/s cov ft corpus peak_mb crashes
for target in "${targets[@]}"; do
  cat "$results/$target"
  if [ "$(head -1 "$results/$target" | awk '{print $NF}')" = 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done
echo "fuzz total (build and runs): $(($(date +%s) - start)) s" >&2
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
